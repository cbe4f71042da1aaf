// The real images: the CPU llm-manager and the chatbot built with buildah from this checkout, then run together
// with podman as the rendered manifests (overlays/cpu) run them: read-only root, uid 10001, /tmp a tmpfs, the
// model store and the conversations on volumes, an API key between them from the same Secret keys. A test model is
// imported into the llm-manager, a question is answered through the chatbot's HTTP API, and SIGTERM drains each
// container (an answer that is running finishes) and exits 0.
//
// The base image is a stand-in for the official `node:<version>-bookworm-slim` (scripts/node-stand-in-image.sh says
// what it is): Docker Hub cannot be reached from the machines the tests run on. It is cached between runs
// (~/.cache/ownchat/images), and so is the Dockerfiles' `deps` stage (the dependencies, from the lockfile), kept in
// the container storage as localhost/ownchat-image-test/deps:cache; everything else this test builds, runs or
// creates is removed at the end.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  freePort,
  importModel,
  writeDeterministicModel,
  writeRandomModel,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../packages/chat/src/api.ts';
import { Account } from '../../packages/chat/src/testing/account.ts';
import { openStream, readStream } from '../../packages/chat/src/testing/sse.ts';
import { KUSTOMIZE_DIR, render } from '../kustomize/render.ts';
import {
  buildImage,
  imageIds,
  imageToolsProblem,
  nodeBaseVersion,
  podman,
  podmanRunArgs,
  removeImages,
  runLogged,
} from './podman.ts';

const problem = await imageToolsProblem();
if (problem) console.warn(`deploy/docker/realImages.test.ts: skipped: ${problem}`);

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const TAG = { 'llm-manager': '', chatbot: '' };
for (const image of ['llm-manager', 'chatbot'] as const)
  TAG[image] = `localhost/ownchat-image-test/${image}:${RUN}`;
const DEPS_CACHE = 'localhost/ownchat-image-test/deps:cache';
const KEY = 'image-test-key';
/** Long enough that SIGTERM lands mid-answer; num_predict ends it. */
const DRAIN_TOKENS = 3000;
/** A cold build of both images (no cached layer) took about N min on 2 shared cores; see bench/README.md. */
const BUILD_TIMEOUT_MS = 25 * 60_000;

const name = (what: string) => `ownchat-image-test-${what}-${RUN}`;
const timings: Record<string, number> = {};
let before = new Set<string>();
let oldDeps: string | undefined;
let dir: string;
let log: string;
const started: string[] = [];
const volumes: string[] = [];

const imageId = (ref: string) =>
  podman(['image', 'inspect', '--format', '{{.Id}}', ref]).catch(() => undefined);

describe.skipIf(problem)(
  'the images, built with buildah and run with podman as the manifests run them',
  () => {
    beforeAll(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-images-'));
      log = path.join(dir, 'build.log');
      before = await imageIds();
      oldDeps = await imageId(DEPS_CACHE);
      const t = performance.now();
      await runLogged(
        'bash',
        ['scripts/node-stand-in-image.sh', await nodeBaseVersion('llm-manager')],
        log,
        600_000,
      );
      timings['stand-in base'] = (performance.now() - t) / 1000;
      // The deps stage once, tagged so that it outlives this run's clean-up; both builds then reuse its layers.
      timings.deps = await buildImage('llm-manager', DEPS_CACHE, log, {
        target: 'deps',
        timeoutMs: BUILD_TIMEOUT_MS,
      });
      for (const image of ['llm-manager', 'chatbot'] as const) {
        timings[image] = await buildImage(image, TAG[image], log, { timeoutMs: BUILD_TIMEOUT_MS });
      }
      console.log(
        `image builds (s): ${Object.entries(timings)
          .map(([k, v]) => `${k} ${v.toFixed(0)}`)
          .join(', ')}; log: ${log}`,
      );
    }, 4 * BUILD_TIMEOUT_MS);

    afterAll(async () => {
      for (const c of started) await podman(['rm', '--force', '--time', '0', c]).catch(() => undefined);
      for (const v of volumes) await podman(['volume', 'rm', '--force', v]).catch(() => undefined);
      // What this run built, less the deps cache (its own layers stay: the cache builds on them); and the cache an
      // earlier run left, when this run's replaced it.
      const keep = await imageId(DEPS_CACHE);
      const made = [...(await imageIds())].filter((id) => !before.has(id) && id !== keep);
      await removeImages(oldDeps && oldDeps !== keep ? [...made, oldDeps] : made);
      if (dir) await fs.rm(dir, { recursive: true, force: true });
    }, 300_000);

    it('builds the images', async () => {
      for (const image of ['llm-manager', 'chatbot'] as const) {
        const size = Number(await podman(['image', 'inspect', '--format', '{{.Size}}', TAG[image]]));
        console.log(`${image}: ${(size / 1e6).toFixed(0)} MB, built in ${timings[image]!.toFixed(0)} s`);
        expect(size).toBeGreaterThan(0);
      }
    });

    it('runs them together as the manifests do: a question answered, then SIGTERM drains each and exits 0', async () => {
      const objects = await render(path.join(KUSTOMIZE_DIR, 'overlays/cpu'));
      const podOf = (kind: string, n: string) =>
        objects.find((o) => o.kind === kind && o.metadata.name === n)!.spec.template.spec;
      const secrets = { OWNCHAT_API_KEYS: KEY, OWNCHAT_API_KEY: KEY };
      const [managerPort, chatPort] = [await freePort(), await freePort()];
      const models = name('models');
      const data = name('data');
      for (const v of [models, data]) {
        await podman(['volume', 'create', v]);
        volumes.push(v);
      }

      // The llm-manager, and the time from `podman run` to /readyz 200 (an empty store: nothing to preload).
      const manager = name('llm-manager');
      const t0 = performance.now();
      started.push(manager);
      await podman(
        podmanRunArgs(podOf('StatefulSet', 'llm-manager'), {
          name: manager,
          image: TAG['llm-manager'],
          volumes: { models },
          secrets,
          ports: { http: managerPort },
        }),
      );
      const managerUrl = `http://127.0.0.1:${managerPort}`;
      await untilStatus(`${managerUrl}/readyz`, 200);
      console.log(
        `llm-manager: /readyz 200 ${((performance.now() - t0) / 1000).toFixed(1)} s after podman run`,
      );
      // Its start-up log names the engine it loaded.
      expect(await podman(['logs', manager])).toMatch(/inference compute: CPU, .*engine: [^"]+"/);

      const models_ = path.join(dir, 'models');
      await fs.mkdir(models_);
      await writeDeterministicModel(path.join(models_, 'det.gguf'));
      await writeRandomModel(path.join(models_, 'chatty.gguf'), { vocab: 32000, seed: 7 });
      await importModel(managerUrl, 'det', path.join(models_, 'det.gguf'), {}, KEY);
      await importModel(
        managerUrl,
        'chatty',
        path.join(models_, 'chatty.gguf'),
        { parameters: { temperature: 0, num_predict: DRAIN_TOKENS } },
        KEY,
      );

      // The chatbot, at the llm-manager by name. Podman has no Service: the name resolves to the llm-manager's own
      // address, where port 11434 answers (the Service's second port, which maps straight through to it).
      const ip = await podman(['inspect', '--format', '{{.NetworkSettings.IPAddress}}', manager]);
      const chatbot = name('chatbot');
      const t1 = performance.now();
      started.push(chatbot);
      await podman(
        podmanRunArgs(podOf('Deployment', 'chatbot'), {
          name: chatbot,
          image: TAG.chatbot,
          volumes: { data },
          secrets,
          env: { OLLAMA_HOST: 'http://llm-manager:11434' },
          ports: { http: chatPort },
          addHosts: { 'llm-manager': ip },
        }),
      );
      const chatUrl = `http://127.0.0.1:${chatPort}`;
      await untilStatus(`${chatUrl}/`, 200);
      console.log(`chatbot: / 200 ${((performance.now() - t1) / 1000).toFixed(1)} s after podman run`);

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

      // The drain: SIGTERM mid-answer. The llm-manager turns unready, the answer still runs to its num_predict, then
      // the process exits 0; the chatbot then exits 0 on its own SIGTERM.
      const long = await me.request('POST', '/api/conversations', { model: 'chatty' });
      const live = await openStream(
        `${chatUrl}/api/conversations/${long.body.id}/messages`,
        { content: 'Talk.' },
        me.headers(),
      );
      await live.until((e) => e.event === 'token');
      await podman(['kill', '--signal', 'TERM', manager]);
      await untilStatus(`${managerUrl}/readyz`, 503);
      expect(live.events.some((e) => e.event === 'done')).toBe(false);
      const done = await live.until((e) => e.event === 'done', 120_000);
      expect(done.data.answer as Message).toMatchObject({ status: 'done', evalCount: DRAIN_TOKENS });
      expect(await podman(['wait', manager], 120_000)).toBe('0');
      expect(await podman(['logs', manager])).toContain('"signal":"SIGTERM","msg":"shutting down"');

      await me.close();
      await podman(['kill', '--signal', 'TERM', chatbot]);
      expect(await podman(['wait', chatbot], 60_000)).toBe('0');
    }, 300_000);
  },
);

/** Polls `url` until it answers `status` (a refused connection is a wait too), for at most a minute. */
async function untilStatus(url: string, status: number): Promise<void> {
  await expect
    .poll(async () => (await fetch(url).catch(() => undefined))?.status, { timeout: 60_000, interval: 50 })
    .toBe(status);
}
