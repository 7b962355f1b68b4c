/** Overlay pictures and the label/float writers: colours where they should be, sizes, refusals. */
import { describe, expect, it } from 'vitest';
import { decode as decodePng } from 'fast-png';
import { CLASS_COLOURS, displayPlanes, downscalePicture, overlayPicture } from '../../src/postprocess/overlay.js';
import { encodeLabels, encodeRgbPng } from '../../src/io/image-write.js';

describe('overlayPicture', () => {
  const image = { data: new Uint8Array([0, 100, 200, 255]), shape: [2, 2] };
  const labels = { data: new Uint8Array([5, 5, 9, 9]), shape: [2, 2] };

  it('blends class colours by class position with alpha; grey uint8 shown as is', () => {
    const pic = overlayPicture(image, 'single', labels, [5, 9], { alpha: 0.5 });
    expect([pic.width, pic.height]).toEqual([2, 2]);
    const px = (i: number) => Array.from(pic.data.subarray(i * 3, i * 3 + 3));
    expect(px(0)).toEqual(CLASS_COLOURS[0].map((c) => Math.round(0.5 * c)));
    expect(px(3)).toEqual(CLASS_COLOURS[1].map((c) => Math.round(0.5 * 255 + 0.5 * c)));
  });

  it('scribbles are opaque in their class colour, with a dark outline on unlabelled neighbours', () => {
    const big = { data: new Uint8Array(25).fill(128), shape: [5, 5] };
    const seg = { data: new Uint8Array(25).fill(1), shape: [5, 5] };
    const scribbles = { data: new Uint8Array(25), shape: [5, 5] };
    scribbles.data[12] = 2; // centre
    const pic = overlayPicture(big, 'single', seg, [1, 2], { scribbles });
    expect(Array.from(pic.data.subarray(36, 39))).toEqual([...CLASS_COLOURS[1]]);
    expect(Array.from(pic.data.subarray(7 * 3, 7 * 3 + 3))).toEqual([20, 20, 20]); // above the centre
    expect(Array.from(pic.data.subarray(0, 3))).not.toEqual([20, 20, 20]); // corner: untouched by the outline
  });

  it('16-bit images are stretched between percentiles; a Z stack becomes planes one below the other', () => {
    const stack = { data: new Uint16Array([0, 1000, 2000, 3000, 0, 0, 0, 3000]), shape: [2, 2, 2] };
    const planes = displayPlanes(stack, 'single');
    expect(planes).toHaveLength(2);
    expect(planes[0].data[0]).toBe(0);
    expect(planes[0].data[9]).toBe(255);
    const pic = overlayPicture(stack, 'single', { data: new Uint8Array(8).fill(1), shape: [2, 2, 2] }, [1]);
    expect([pic.width, pic.height]).toEqual([2, 4]);
  });

  it('RGB [3,H,W] in rgb mode keeps the colours', () => {
    const rgb = { data: new Uint8Array([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]), shape: [3, 2, 2] };
    const [plane] = displayPlanes(rgb, 'rgb');
    expect(Array.from(plane.data.subarray(0, 3))).toEqual([10, 50, 90]);
  });

  it('refuses labels that do not match the image', () => {
    expect(() => overlayPicture(image, 'single', { data: new Uint8Array(6), shape: [2, 3] }, [1])).toThrow(/do not match/);
  });

  it('downscale averages boxes (partial boxes at the edge) and the PNG encodes 8-bit RGB', () => {
    const pic = { data: new Uint8Array([0, 0, 0, 100, 100, 100, 50, 50, 50]), width: 3, height: 1 };
    const small = downscalePicture(pic, 2);
    expect([small.width, small.height]).toEqual([2, 1]);
    expect(Array.from(small.data)).toEqual([50, 50, 50, 50, 50, 50]);
    const back = decodePng(encodeRgbPng(small.data, 2, 1));
    expect([back.channels, back.depth, back.width]).toEqual([3, 8, 2]);
  });
});

describe('encodeLabels', () => {
  it('one plane, values ≤ 255 → 8-bit PNG; values > 255 → 16-bit TIFF; negatives refused', () => {
    const small = encodeLabels({ data: new Uint8Array([1, 49, 67, 91]), shape: [2, 2] });
    expect(small.ext).toBe('.png');
    const png = decodePng(small.bytes);
    expect([png.depth, png.channels, Array.from(png.data)]).toEqual([8, 1, [1, 49, 67, 91]]);
    expect(encodeLabels({ data: new Uint16Array([1, 300, 2, 3]), shape: [2, 2] }).ext).toBe('.tif');
    expect(() => encodeLabels({ data: new Int32Array([1, -1, 2, 3]), shape: [2, 2] })).toThrow(/non-negative/);
    expect(() => encodeLabels({ data: new Int32Array([1, 70000, 2, 3]), shape: [2, 2] })).toThrow(/16 bits/);
  });
});
