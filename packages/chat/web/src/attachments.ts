// Images the user attaches (button, paste, drop), checked and made ready in the page before they are sent: their
// kind found from their bytes as the server does (shared/images.ts), the size limit the server holds them to, and
// WebP turned into PNG through a canvas, since the llm-manager's image reader (stb_image) cannot read WebP.
import { ACCEPTED_IMAGES_TEXT, type ImageType, megabytes, sniffImageType } from '../../src/shared/images.ts';

/** An image ready to send: its bytes in base64 (Ollama's `images`), and a data URL for its thumbnail. */
export type Attachment = {
  /** Tells attachments apart on the page (React's key), even two of the same file. */
  key: number;
  name: string;
  type: ImageType;
  base64: string;
  dataUrl: string;
  bytes: number;
};

let attachments = 0;

const toBase64 = (bytes: Uint8Array): string => {
  let text = '';
  // In slices: String.fromCharCode takes its arguments on the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
};

/** A WebP as PNG, drawn on a canvas; undefined when the browser cannot decode it. */
async function webpAsPng(file: Blob): Promise<Uint8Array | undefined> {
  try {
    const bitmap = await createImageBitmap(file);
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
    bitmap.close();
    const png = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    return png ? new Uint8Array(await png.arrayBuffer()) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a file the user gave: an Attachment, or the reason it cannot be sent, in words for the user. */
export async function prepareImage(file: File, maxBytes: number): Promise<Attachment | string> {
  const name = file.name || 'the pasted image';
  let bytes: Uint8Array = new Uint8Array(await file.arrayBuffer());
  let type = sniffImageType(bytes);
  if (!type) return `${name} is not a ${ACCEPTED_IMAGES_TEXT} image: attach ${ACCEPTED_IMAGES_TEXT}`;
  if (type === 'image/webp') {
    const png = await webpAsPng(file);
    if (!png) return `${name} could not be read as a WebP image: attach it as PNG or JPEG`;
    bytes = png;
    type = 'image/png';
  }
  if (bytes.byteLength > maxBytes) {
    return `${name} is ${megabytes(bytes.byteLength)}: images may be at most ${megabytes(maxBytes)}; make it smaller`;
  }
  const base64 = toBase64(bytes);
  return {
    key: ++attachments,
    name,
    type,
    base64,
    dataUrl: `data:${type};base64,${base64}`,
    bytes: bytes.byteLength,
  };
}

/** The image files among what was pasted or dropped (other things, such as text, are left to the text box). */
export function filesOf(data: DataTransfer | null): File[] {
  if (!data) return [];
  return [...data.items].flatMap((item) => {
    const file = item.kind === 'file' ? item.getAsFile() : null;
    return file ? [file] : [];
  });
}
