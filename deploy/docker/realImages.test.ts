// The real images: the CPU llm-manager and the chatbot built with buildah from this checkout, then run together
// with `podman kube play` of the rendered manifests (overlays/cpu; deploy/docker/podman.ts says what podman cannot
// play and what the test changes): uid 10001, a read-only root, no capabilities, /tmp an emptyDir, the model store
// and the conversations on claims, an API key between them from the same Secret keys. Test models are imported into
// the llm-manager, a question is answered through the chatbot's HTTP API, and SIGTERM (podman stop, as the kubelet
// stops a pod) drains each container, an answer that is running finishes, and each exits 0.
//
// The base image is a stand-in for the official `node:<version>-bookworm-slim` (scripts/node-stand-in-image.sh says
// what it is): Docker Hub cannot be reached from the machines the tests run on. It is cached between runs
// (~/.cache/ownchat/images), and so are the Dockerfiles' `deps` stage (the dependencies, from the lockfile) and the
// llm-manager's `engine` stage (llama.cpp compiled), kept in the container storage (buildStageCache); everything
// else this test builds, runs or creates is removed at the end.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  importModel,
  pngImage,
  writeDeterministicModel,
  writeProjector,
  writeRandomModel,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../packages/chat/src/api.ts';
import { Account } from '../../packages/chat/src/testing/account.ts';
import { openStream, readStream } from '../../packages/chat/src/testing/sse.ts';
import { cpuFlags, x86CpuVariant } from '../../packages/manager/src/engine/engineBuild.ts';
import { KUSTOMIZE_DIR, render } from '../kustomize/render.ts';
import {
  buildImage,
  buildStageCache,
  CONTAINERS_CONF,
  imageIds,
  imageToolsProblem,
  kubePlay,
  kubePlayable,
  nodeBaseVersion,
  type Played,
  podman,
  removeImages,
  runLogged,
  usePodmanConf,
} from './podman.ts';

const problem = await imageToolsProblem();
if (problem) console.warn(`deploy/docker/realImages.test.ts: skipped: ${problem}`);

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const TAG = { 'llm-manager': '', chatbot: '' };
for (const image of ['llm-manager', 'chatbot'] as const)
  TAG[image] = `localhost/ownchat-image-test/${image}:${RUN}`;
const KEY = 'image-test-key';
/**
 * Long enough that SIGTERM lands mid-answer, short enough to end within the manifest's OWNCHAT_DRAIN_TIMEOUT (30 s)
 * on a loaded machine: this random model made about 6 tokens/s in the container at a load average of 10 on 2 cores
 * (a 200-token answer was cut by the drain timeout there).
 */
// Long enough that the SIGTERM lands mid-answer whatever the load: this model writes about 500 tokens a second on
// a quiet 2-core machine, so 40 tokens were over before \`podman stop\` had delivered the signal, and the manager,
// with nothing left to drain, was gone before /readyz could be seen answering 503. At temperature 0 its answer to
// the drain's question runs past 3000 tokens without an end of turn.
const DRAIN_TOKENS = 2500;
/**
 * The engine's CPU variants this test builds: the baseline and the one ggml picks on this CPU (the published image
 * builds them all, which costs CI too long: bench/README.md), so that the run-time choice among them is exercised
 * and its result checked in the start-up log. Not x64: all of that architecture's variants.
 */
const CPU_VARIANT = process.arch === 'x64' ? x86CpuVariant(cpuFlags()) : undefined;
const ENGINE_VARIANTS = CPU_VARIANT ? [...new Set(['x64', CPU_VARIANT])].join(',') : 'all';
/** A cold build of both images (no cached layer) took about N min on 2 shared cores; see bench/README.md. */
const BUILD_TIMEOUT_MS = 25 * 60_000;

const timings: Record<string, number> = {};
let before = new Set<string>();
/** The deps and engine caches' images (kept), and earlier caches' that this run's replaced (removed). */
const caches = { layers: [] as string[], stale: [] as string[] };
let dir: string;
let log: string;
const played: Played[] = [];

describe.skipIf(problem)(
  'the images, built with buildah and run with podman as the manifests run them',
  () => {
    beforeAll(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-images-'));
      log = path.join(dir, 'build.log');
      usePodmanConf(path.join(dir, 'containers.conf'));
      await fs.writeFile(path.join(dir, 'containers.conf'), CONTAINERS_CONF);
      before = await imageIds();
      const t = performance.now();
      await runLogged(
        'bash',
        ['scripts/node-stand-in-image.sh', await nodeBaseVersion('llm-manager')],
        log,
        600_000,
      );
      timings['stand-in base'] = (performance.now() - t) / 1000;
      // The deps stage once, kept past this run's clean-up; both builds then reuse its layers. The engine stage
      // too: the llm-manager's build reuses it, and so do later runs while the lockfile and the patches stay.
      for (const stage of ['deps', 'engine'] as const) {
        const built = await buildStageCache(stage, log, {
          // The engine compiles llama.cpp: 14 to 48 min on the 2 shared cores (load average 5 to 22; bench/README.md).
          timeoutMs: stage === 'engine' ? 2 * BUILD_TIMEOUT_MS : BUILD_TIMEOUT_MS,
          buildArgs: stage === 'engine' ? { OWNCHAT_ENGINE_CPU_VARIANTS: ENGINE_VARIANTS } : {},
        });
        caches.layers.push(...built.layers);
        caches.stale.push(...built.stale);
        timings[stage] = built.seconds;
      }
      for (const image of ['llm-manager', 'chatbot'] as const) {
        timings[image] = await buildImage(image, TAG[image], log, {
          timeoutMs: BUILD_TIMEOUT_MS,
          buildArgs: image === 'llm-manager' ? { OWNCHAT_ENGINE_CPU_VARIANTS: ENGINE_VARIANTS } : {},
        });
      }
      console.log(
        `image builds (s): ${Object.entries(timings)
          .map(([k, v]) => `${k} ${v.toFixed(0)}`)
          .join(', ')}; log: ${log}`,
      );
    }, 5 * BUILD_TIMEOUT_MS);

    afterAll(async () => {
      // The pods, then their claims' volumes (kube down leaves volumes).
      for (const p of played) {
        await podman(['kube', 'down', p.file]).catch(() => undefined);
        for (const m of (await fs.readFile(p.file, 'utf8')).matchAll(/claimName: (\S+)/g))
          await podman(['volume', 'rm', '--force', m[1]!]).catch(() => undefined);
      }
      // The images, then the layers this run built, less the caches and the stand-in base (tagged: it stays);
      // and the caches an earlier run left, when this run's replaced them.
      for (const tag of Object.values(TAG)) await podman(['rmi', tag]).catch(() => undefined);
      const made = [...(await imageIds())].filter((id) => !before.has(id) && !caches.layers.includes(id));
      await removeImages([...made, ...caches.stale]);
      if (dir) await fs.rm(dir, { recursive: true, force: true });
    }, 300_000);

    it('builds the images, each within its size goal (issue 20: what a node pulls and keeps on disk)', async () => {
      const goal = { 'llm-manager': 400e6, chatbot: 150e6 };
      for (const image of ['llm-manager', 'chatbot'] as const) {
        const size = Number(await podman(['image', 'inspect', '--format', '{{.Size}}', TAG[image]]));
        console.log(`${image}: ${(size / 1e6).toFixed(0)} MB, built in ${timings[image]!.toFixed(0)} s`);
        expect(size).toBeGreaterThan(0);
        expect(size, `${image} image size`).toBeLessThanOrEqual(goal[image]);
      }
    });

    it('runs them together with podman kube play: a question answered, then SIGTERM drains each and exits 0', async () => {
      const objects = await render(path.join(KUSTOMIZE_DIR, 'overlays/cpu'));
      const suffix = `-${RUN}`;
      // The kubelet's wait between SIGTERM and SIGKILL; podman 4.3's kube play does not carry it over (its stop
      // timeout stays 10 s), so podman stop is given it.
      const grace = (kind: string, n: string) =>
        String(
          objects.find((o) => o.kind === kind && o.metadata.name === n)!.spec.template.spec
            .terminationGracePeriodSeconds,
        );
      const secrets = { OWNCHAT_API_KEYS: KEY, OWNCHAT_API_KEY: KEY };

      // The llm-manager (a StatefulSet, played as a Deployment: kubePlayable says why), and the time from
      // `podman kube play` to /readyz 200 (an empty store: nothing to preload).
      const t0 = performance.now();
      const manager = await kubePlay(
        path.join(dir, 'llm-manager.yaml'),
        kubePlayable(objects, 'StatefulSet', 'llm-manager', { suffix, image: TAG['llm-manager'], secrets }),
      );
      played.push(manager);
      const managerUrl = `http://${manager.ip}:11434`;
      await untilStatus(`${managerUrl}/readyz`, 200);
      console.log(
        `llm-manager: /readyz 200 ${((performance.now() - t0) / 1000).toFixed(1)} s after podman kube play`,
      );
      // As the manifests run it: uid 10001, a read-only root, no capabilities.
      const config = JSON.parse(
        await podman([
          'inspect',
          '--format',
          '{"user":{{json .Config.User}},"readOnly":{{.HostConfig.ReadonlyRootfs}},"caps":{{json .EffectiveCaps}}}',
          manager.container,
        ]),
      );
      expect(config).toEqual({ user: '10001:10001', readOnly: true, caps: null });
      // Its start-up log names the engine it loaded: the one built in the image, with the CPU variant ggml picked
      // for this CPU among those built.
      const startLog = await podman(['logs', manager.container]);
      expect(startLog).toContain(
        `engine: llama.cpp built in the image (one thread pool per model)${CPU_VARIANT ? `, CPU variant ${CPU_VARIANT}` : ''}`,
      );

      const models = path.join(dir, 'models');
      await fs.mkdir(models);
      await writeDeterministicModel(path.join(models, 'det.gguf'));
      await writeRandomModel(path.join(models, 'chatty.gguf'), { vocab: 32000, seed: 7 });
      await importModel(managerUrl, 'det', path.join(models, 'det.gguf'), {}, KEY);
      await importModel(
        managerUrl,
        'chatty',
        path.join(models, 'chatty.gguf'),
        { parameters: { temperature: 0, num_predict: DRAIN_TOKENS } },
        KEY,
      );

      // The image's own engine takes images (its mtmd) and runs quantized weights (Q8_0: the CPU variant's matrix
      // kernels, where a bad variant dies), with the projector counted: a picture adds its embeddings to the prompt.
      const projector = await writeProjector(path.join(models, 'mmproj.gguf'));
      await writeRandomModel(path.join(models, 'seer.gguf'), { seed: 21, type: 'q8_0' });
      await importModel(
        managerUrl,
        'seer',
        path.join(models, 'seer.gguf'),
        { projector: projector.path, parameters: { temperature: 0, num_predict: 4 } },
        KEY,
      );
      const look = async (images?: string[]) => {
        const res = await fetch(`${managerUrl}/api/chat`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}` },
          body: JSON.stringify({
            model: 'seer',
            stream: false,
            messages: [{ role: 'user', content: 'What is in this picture?', ...(images ? { images } : {}) }],
          }),
          signal: AbortSignal.timeout(120_000),
        });
        expect(res.status, await res.clone().text()).toBe(200);
        return ((await res.json()) as { prompt_eval_count: number }).prompt_eval_count;
      };
      const picture = pngImage(40, 30, (x, y) => [x * 6, y * 8, 128]).toString('base64');
      expect((await look([picture])) - (await look())).toBe(projector.imageTokens);

      // The chatbot, at the llm-manager by name. Podman has no Service: the name resolves to the llm-manager's pod,
      // where port 11434 answers (the Service's second port, which maps straight through to it; its port 80 does
      // not exist without the Service).
      const t1 = performance.now();
      const chatbot = await kubePlay(
        path.join(dir, 'chatbot.yaml'),
        kubePlayable(objects, 'Deployment', 'chatbot', {
          suffix,
          image: TAG.chatbot,
          secrets,
          env: { OLLAMA_HOST: 'http://llm-manager:11434' },
          hostAliases: { 'llm-manager': manager.ip },
        }),
      );
      played.push(chatbot);
      const chatUrl = `http://${chatbot.ip}:8080`;
      await untilStatus(`${chatUrl}/`, 200);
      console.log(`chatbot: / 200 ${((performance.now() - t1) / 1000).toFixed(1)} s after podman kube play`);

      // A question, as the page asks it: sign up (the first account is the admin), a conversation, an answer.
      const me = new Account(chatUrl);
      expect((await me.signUp('admin')).status).toBe(201);
      const conv = await me.request('POST', '/api/conversations', { model: 'det' });
      expect(conv.status).toBe(201);
      const s = await readStream(
        `${chatUrl}/api/conversations/${conv.body.id}/messages`,
        { content: 'Hello there' },
        me.headers(),
      );
      expect(s.status).toBe(200);
      expect(s.text('token')).toBe(DETERMINISTIC_ANSWER);
      expect(s.events.at(-1)?.event).toBe('done');

      // The drain: SIGTERM mid-answer (podman stop with the grace period, as the kubelet stops a pod). The llm-manager turns unready, the
      // answer still runs to its num_predict, then the process exits 0; the chatbot then exits 0 on its own SIGTERM.
      const long = await me.request('POST', '/api/conversations', { model: 'chatty' });
      const live = await openStream(
        `${chatUrl}/api/conversations/${long.body.id}/messages`,
        { content: 'Talk.' },
        me.headers(),
      );
      await live.until((e) => e.event === 'token');
      expect(live.events.some((e) => e.event === 'done')).toBe(false);
      const stopped = podman(
        ['stop', '--time', grace('StatefulSet', 'llm-manager'), manager.container],
        150_000,
      );
      await untilStatus(`${managerUrl}/readyz`, 503, async () => {
        const state = await podman(['inspect', '--format', '{{json .State}}', manager.container]).catch(
          String,
        );
        const logs = await podman(['logs', '--tail', '20', manager.container]).catch(String);
        return `llm-manager state ${state}\nits last log lines:\n${logs}`;
      });
      const done = await live.until((e) => e.event === 'done', 120_000);
      expect(done.data.answer as Message).toMatchObject({
        status: 'done',
        stats: { evalCount: DRAIN_TOKENS },
      });
      await stopped;
      expect(await exitCode(manager.container)).toBe(0);
      expect(await podman(['logs', manager.container])).toContain('"signal":"SIGTERM","msg":"shutting down"');

      await me.close();
      await podman(['stop', '--time', grace('Deployment', 'chatbot'), chatbot.container], 90_000);
      expect(await exitCode(chatbot.container)).toBe(0);
    }, 300_000);
  },
);

const exitCode = async (container: string) =>
  Number(await podman(['inspect', '--format', '{{.State.ExitCode}}', container]));

/**
 * Polls `url` until it answers `status` (a refused connection is a wait too), for at most a minute. On failure,
 * `explain` adds what the test can find out about why (a container's state and logs).
 */
async function untilStatus(url: string, status: number, explain?: () => Promise<string>): Promise<void> {
  try {
    await expect
      .poll(async () => (await fetch(url).catch(() => undefined))?.status, { timeout: 60_000, interval: 50 })
      .toBe(status);
  } catch (e) {
    if (!explain) throw e;
    throw new Error(`${url} never answered ${status}: ${(e as Error).message}\n${await explain()}`);
  }
}
