// Images on a request: checked before anything is loaded, and placed in the text as Ollama places them.
import { pngImage } from '@ownchat/testkit';
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors.ts';
import { IMAGE_MARKER } from '../runner/protocol.ts';
import { requestImages, withImagePlaces } from './images.ts';

const png = pngImage(2, 2, () => [1, 2, 3]).toString('base64');
const jpegStart = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]).toString('base64');
const webp = Buffer.from('RIFF\x10\0\0\0WEBPVP8 ', 'latin1').toString('base64');
const riffWave = Buffer.from('RIFF\x10\0\0\0WAVEfmt ', 'latin1').toString('base64');

describe('requestImages', () => {
  it('takes base64 PNG, JPEG and WebP (line breaks in the base64 too), and nothing for no images', () => {
    expect(requestImages([png, jpegStart, webp], 'images')).toEqual([png, jpegStart, webp]);
    expect(requestImages([`${png.slice(0, 8)}\n${png.slice(8)}`], 'images')).toEqual([png]);
    expect(requestImages(undefined, 'images')).toEqual([]);
    expect(requestImages(null, 'images')).toEqual([]);
  });

  it.each([
    ['not a list', 'abc', /images must be a list of base64-encoded images/],
    ['a number', [3], /images\[0\] must be a base64-encoded image/],
    ['a data URL', [`data:image/png;base64,${png}`], /images\[0\] is not base64.*without a data: URL/],
    ['base64 of text', [Buffer.from('hello there').toString('base64')], /images\[0\] is not an image/],
    ['a RIFF file that is not WebP', [riffWave], /images\[0\] is not an image.*PNG, JPEG, WebP, GIF or BMP/],
    ['cut base64', [png.slice(0, 10)], /images\[0\] is not base64/],
  ])('refuses %s with a 400 naming the image', (_, value, message) => {
    const run = () => requestImages(value, 'images');
    expect(run).toThrow(BadRequestError);
    expect(run).toThrow(message);
  });
});

describe('withImagePlaces', () => {
  it('puts images before the text, in order', () => {
    expect(withImagePlaces('What is this?', ['a', 'b'])).toEqual({
      text: `${IMAGE_MARKER}${IMAGE_MARKER}What is this?`,
      images: ['a', 'b'],
    });
  });

  it("puts an image where the text says [img] (Ollama's placeholder), the rest before the text", () => {
    expect(withImagePlaces('Compare [img] with this.', ['a', 'b'])).toEqual({
      text: `${IMAGE_MARKER}Compare ${IMAGE_MARKER} with this.`,
      images: ['b', 'a'],
    });
  });

  it('leaves a text without images as it is', () => {
    expect(withImagePlaces('Hi [img]', [])).toEqual({ text: 'Hi [img]', images: [] });
  });
});
