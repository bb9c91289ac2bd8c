import { describe, expect, it } from 'vitest';
import { firstLoneSurrogate, loneSurrogateAt } from '../../../src/shared/pure/wellFormed';

describe('lone surrogates', () => {
  it('finds a lone high or low surrogate and passes pairs and plain text', () => {
    expect(loneSurrogateAt('plain ascii')).toBe(-1);
    expect(loneSurrogateAt('emoji 😀 and 𝄞 clef')).toBe(-1); // surrogate pairs
    expect(loneSurrogateAt('\ud800')).toBe(0);
    expect(loneSurrogateAt('ab\udcff.png')).toBe(2);
    expect(loneSurrogateAt('x\ud83d')).toBe(1); // a high surrogate at the end
    expect(loneSurrogateAt('\ude00\ud83d\ude00')).toBe(0); // a low surrogate before a pair
    expect(loneSurrogateAt('😀\ude00')).toBe(2); // a second low surrogate after a pair
  });

  it('names where in a parsed input the first one is, without looking into numbers or typed arrays', () => {
    expect(firstLoneSurrogate({ a: 1, b: ['x', { c: 'ok' }], d: new Uint8Array(4) })).toBeNull();
    expect(firstLoneSurrogate({ a: [1, 2, { name: 'bad \udcff' }] })).toEqual({ path: 'a.2.name', escape: '\\udcff' });
    expect(firstLoneSurrogate('\ud800')).toEqual({ path: '', escape: '\\ud800' });
    expect(firstLoneSurrogate({ first: 'ok', second: ['fine', '\ud801x'] })).toEqual({ path: 'second.1', escape: '\\ud801' });
  });
});
