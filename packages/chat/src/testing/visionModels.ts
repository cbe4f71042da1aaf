// The models the image tests chat with: a tiny language model created twice, once with a tiny random projector
// (testkit's writeProjector, which llama.cpp's mtmd loads) as `seer`, which reads images, and once without as
// `text`, which does not. Greedy and short, so the same question and image give the same answer every time.
import path from 'node:path';
import {
  importModel,
  type ProjectorInfo,
  pngImage,
  writeProjector,
  writeRandomModel,
} from '@ownchat/testkit';

export const VISION_PARAMETERS = { temperature: 0, num_predict: 8, num_thread: 1 };

/** A red-to-blue gradient: what the tests attach. */
export const GRADIENT_PNG = pngImage(40, 30, (x, y) => [255 - x * 6, y * 8, x * 6]);

/** Writes both models into `dir` and imports them into the llm-manager at `managerUrl`. */
export async function importVisionModels(managerUrl: string, dir: string): Promise<ProjectorInfo> {
  const model = path.join(dir, 'vision-text.gguf');
  await writeRandomModel(model, { seed: 21 });
  const projector = await writeProjector(path.join(dir, 'mmproj.gguf'));
  await importModel(managerUrl, 'seer', model, { projector: projector.path, parameters: VISION_PARAMETERS });
  await importModel(managerUrl, 'text', model, { parameters: VISION_PARAMETERS });
  return projector;
}
