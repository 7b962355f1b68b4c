/**
 * How a 3-D image's first axis is read (the reference's `channel_mode`): Z planes of one channel
 * (`single`), channels of one plane (`multi`), or the three channels of an RGB picture (`rgb`,
 * the only mode in which VGG sees true colour and ImageNet normalisation applies).
 */
export type ChannelMode = 'single' | 'multi' | 'rgb';
