/** The filter that keeps Dawn's adapter-limit notices out of the command's stderr. */
import { describe, expect, it } from 'vitest';
import { chatterFilter } from '../../src/cli/driver-chatter.js';

const CHATTER = [
  'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n',
  'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n',
];

function run(chunks: string[]): string {
  let out = '';
  const f = chatterFilter((t) => (out += t));
  chunks.forEach((c) => f.push(c));
  f.end();
  return out;
}

describe('driver chatter filter', () => {
  it('drops exactly the notices, whole or split across chunks, and passes everything else through', () => {
    const text = `${CHATTER[0]}convpaint: warning: something real\n${CHATTER[1]}Warning: a real warning of ours\n`;
    expect(run([text])).toBe('convpaint: warning: something real\nWarning: a real warning of ours\n');
    // the same text cut at every position into two chunks
    for (let i = 1; i < text.length; i++) expect(run([text.slice(0, i), text.slice(i)])).toBe('convpaint: warning: something real\nWarning: a real warning of ours\n');
  });

  it('writes progress output without a newline at once (bars redraw in place)', () => {
    let out = '';
    const f = chatterFilter((t) => (out += t));
    f.push('\r[####    ] 50 %');
    expect(out).toBe('\r[####    ] 50 %');
    f.push('\r[########] 100 %\n');
    expect(out).toBe('\r[####    ] 50 %\r[########] 100 %\n');
  });
});
