// Three real llm-manager processes, each with its own store, peers of each other through OWNCHAT_PEERS (one list
// for all, each leaves itself out), and a real OCI registry: a pull on one lands on all and each answers with the
// model; a copy, a delete, a blob upload and a create on one reach all; a replica that is down or silent is named
// in a clear error within OWNCHAT_PEER_TIMEOUT; and a replica that starts late with an empty store catches up
// before it is ready, with the models pulled from a registry only, at the peers' exact version.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  freePort,
  type ManagerProcess,
  type PushedModel,
  pushModel,
  type Registry,
  sha256File,
  startManagerProcess,
  startRegistry,
  writeDeterministicModel,
} from '@ownchat/testkit';
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const KEY = 'peer-test-key';
const AUTH = { authorization: `Bearer ${KEY}` };

let registry: Registry;
let dir: string;
let det: PushedModel;
let ports: number[];
const replicas: (ManagerProcess | undefined)[] = [];
const stores: string[] = [];

function startReplica(i: number, modelsDir?: string): Promise<ManagerProcess> {
  return startManagerProcess({
    modelsDir,
    env: {
      OLLAMA_HOST: `127.0.0.1:${ports[i]}`,
      OWNCHAT_PEERS: ports.map((p) => `127.0.0.1:${p}`).join(','),
      OWNCHAT_PEER_TIMEOUT: '2s',
      OWNCHAT_PULL_STALL_TIMEOUT: '2s',
      // Relays carry this replica's key: the peers require one.
      OWNCHAT_API_KEYS: KEY,
    },
  });
}

const url = (i: number) => `http://127.0.0.1:${ports[i]}`;
const client = (i: number) => new Ollama({ host: url(i), headers: AUTH });
const tags = async (i: number) =>
  (await client(i).list()).models.map((m) => ({ name: m.name, digest: m.digest }));

async function call(i: number, method: string, route: string, body: unknown) {
  const res = await fetch(`${url(i)}${route}`, {
    method,
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

const ndjson = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-peers-'));
  registry = await startRegistry();
  const gguf = await writeDeterministicModel(path.join(dir, 'det.gguf'));
  det = await pushModel(registry.url, 'library/det:v1', gguf.path, { system: 'Be exact.' });
  await pushModel(registry.url, 'library/other:v1', gguf.path, { system: 'Be brief.' });
  ports = [await freePort(), await freePort(), await freePort()];
  for (let i = 0; i < 3; i++) {
    const r = await startReplica(i);
    replicas.push(r);
    stores.push(r.modelsDir);
  }
}, 60_000);

afterAll(async () => {
  for (const r of replicas) await r?.stop();
  await registry?.stop();
  for (const d of [dir, ...stores]) if (d) await fs.rm(d, { recursive: true, force: true });
});

const DET = () => `${registry.host}/library/det:v1`;

describe('OWNCHAT_PEERS: one request, every replica', () => {
  it("a pull on one lands on all: Ollama's stream with one success at the end, and each replica answers", async () => {
    const progress: Record<string, unknown>[] = [];
    for await (const p of await client(0).pull({ model: DET(), insecure: true, stream: true })) {
      progress.push(p as unknown as Record<string, unknown>);
    }
    expect(progress[0]).toEqual({ status: 'pulling manifest' });
    expect(progress.at(-1)).toEqual({ status: 'success' });
    expect(progress.filter((p) => p.status === 'success')).toHaveLength(1);
    expect(progress.some((p) => p.error)).toBe(false);
    for (let i = 0; i < 3; i++) {
      expect(await tags(i)).toEqual([{ name: DET(), digest: det.manifestDigest.slice(7) }]);
      const r = await client(i).chat({ model: DET(), messages: [{ role: 'user', content: 'Hi!' }] });
      expect(r.message.content).toBe(DETERMINISTIC_ANSWER);
    }
    // Each replica fetched the model itself from the registry: the relayed pull did not relay again.
    for (const r of replicas) expect(r!.output().match(/"msg":"pulled /g)).toHaveLength(1);
  });

  it('a copy and a delete on one reach all; a second delete is 404 as Ollama answers it', async () => {
    const copy = `${registry.host}/library/det-copy:v1`;
    expect(await call(1, 'POST', '/api/copy', { source: DET(), destination: copy })).toEqual({
      status: 200,
      text: '{}',
    });
    for (let i = 0; i < 3; i++) expect((await tags(i)).map((t) => t.name)).toContain(copy);

    expect((await call(2, 'DELETE', '/api/delete', { model: copy })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await tags(i)).map((t) => t.name)).not.toContain(copy);
    expect(await call(0, 'DELETE', '/api/delete', { model: copy })).toEqual({
      status: 404,
      text: JSON.stringify({ error: `model '${copy}' not found` }),
    });
  });

  it('a GGUF uploaded to one and a model created from it there reach all, at the same digest', async () => {
    // Another sentence, so another blob: none of the replicas has it yet.
    const gguf = await writeDeterministicModel(path.join(dir, 'made.gguf'), { sentence: 'Made on one.' });
    const digest = await sha256File(gguf.path);
    const name = `${registry.host}/team/made:v1`;
    const upload = await fetch(`${url(0)}/api/blobs/${digest}`, {
      method: 'POST',
      headers: AUTH,
      body: await fs.readFile(gguf.path),
    });
    expect(upload.status).toBe(201);
    for (const i of [1, 2]) {
      expect((await fetch(`${url(i)}/api/blobs/${digest}`, { method: 'HEAD', headers: AUTH })).status).toBe(
        200,
      );
    }
    const created = await call(0, 'POST', '/api/create', {
      model: name,
      files: { 'model.gguf': digest },
      system: 'Made here.',
    });
    // Streamed, as Ollama does by default: one success, at the end, once every replica has the model.
    expect(ndjson(created.text).filter((l) => l.status === 'success')).toHaveLength(1);
    expect(ndjson(created.text).at(-1)).toEqual({ status: 'success' });
    const everywhere = await Promise.all(
      [0, 1, 2].map(async (i) => (await tags(i)).find((t) => t.name === name)),
    );
    expect(everywhere[0]).toBeDefined();
    expect(everywhere).toEqual([everywhere[0], everywhere[0], everywhere[0]]);
    expect((await client(2).show({ model: name })).system).toBe('Made here.');
    const r = await client(2).chat({ model: name, messages: [{ role: 'user', content: 'Hi!' }] });
    expect(r.message.content).toBe('Made on one.');
    expect((await call(1, 'DELETE', '/api/delete', { model: name })).status).toBe(200);
  });

  it('a replica that is down or silent is named in the error, within the peer timeout, and the others still pull', async () => {
    const down = `127.0.0.1:${ports[2]}`;
    await replicas[2]!.stop();
    replicas[2] = undefined;
    const other = `${registry.host}/library/other:v1`;

    let started = Date.now();
    const streamed = await call(0, 'POST', '/api/pull', { model: other, insecure: true });
    expect(streamed.status).toBe(200); // Ollama's streamed pull: the failure is the last line
    const last = ndjson(streamed.text).at(-1);
    expect(last).toEqual({
      error: expect.stringContaining(`replica ${down} refused the connection (is it running?)`),
    });
    expect(last?.error).toMatch(/^pulled on this replica but not on every one: /);
    expect(ndjson(streamed.text).some((l) => l.status === 'success')).toBe(false);
    expect(Date.now() - started).toBeLessThan(15_000);
    for (const i of [0, 1]) expect((await tags(i)).map((t) => t.name)).toContain(other);

    // Up but silent (accepts, never answers): the peer timeout (2 s) ends the wait, with stream: false's 500.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s)).listen(ports[2], '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    try {
      started = Date.now();
      const r = await call(1, 'POST', '/api/pull', { model: other, insecure: true, stream: false });
      expect(r.status).toBe(500);
      expect(JSON.parse(r.text).error).toContain(
        `replica ${down} did not answer within 2 s (OWNCHAT_PEER_TIMEOUT)`,
      );
      expect(Date.now() - started).toBeLessThan(15_000);

      // Streamed: this replica's pull (the blobs are here already) ends first; the client hears what it waits for.
      const s = ndjson((await call(1, 'POST', '/api/pull', { model: other, insecure: true })).text);
      const waiting = s.find((l) => String(l.status).startsWith('waiting for replica '));
      expect(waiting?.status).toContain(down);
      expect(s.at(-1)?.error).toContain(`replica ${down} did not answer within 2 s`);

      started = Date.now();
      const d = await call(0, 'DELETE', '/api/delete', { model: other });
      expect(d.status).toBe(500);
      expect(JSON.parse(d.text).error).toMatch(
        new RegExp(
          `^${other.replace(/[.]/g, '\\.')} was not deleted on every replica: replica ${down} did not answer`,
        ),
      );
      expect(Date.now() - started).toBeLessThan(15_000);
      // Where it could be, it was deleted.
      for (const i of [0, 1]) expect((await tags(i)).map((t) => t.name)).not.toContain(other);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  }, 60_000);

  it('a replica that starts late with an empty store pulls what its peers pulled before it is ready', async () => {
    // A model made on a peer (here a copy under a name no registry has) cannot reach it: it says so in its log.
    const made = `${registry.host}/library/made-here:v1`;
    // Replica 2 is still down: the copy is done on the others and the answer names it.
    const copied = await call(0, 'POST', '/api/copy', { source: DET(), destination: made });
    expect(copied.status).toBe(500);
    expect(JSON.parse(copied.text).error).toBe(
      `copied ${DET()} to ${made} on this replica but not on every one: replica 127.0.0.1:${ports[2]} refused the connection (is it running?)`,
    );
    for (const i of [0, 1]) expect((await tags(i)).map((t) => t.name)).toContain(made);

    // A model made on the peers under a name the registry also has, with other content: the catch-up must not
    // take the registry's model for it (the digests differ), whatever the name says.
    const other = `${registry.host}/library/other:v1`;
    const changed = await call(0, 'POST', '/api/create', {
      model: other,
      from: DET(),
      system: 'Changed.',
      stream: false,
    });
    expect(JSON.parse(changed.text).error).toBe(
      `created ${other} on this replica but not on every one: replica 127.0.0.1:${ports[2]} refused the connection (is it running?)`,
    );
    const changedDigest = (await tags(1)).find((t) => t.name === other)?.digest;
    expect(changedDigest).toBeDefined();

    const fresh = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-peers-late-'));
    stores.push(fresh);
    const late = await startReplica(2, fresh);
    replicas[2] = late;
    const deadline = Date.now() + 30_000;
    let ready = await fetch(`${url(2)}/readyz`);
    while (ready.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      ready = await fetch(`${url(2)}/readyz`);
    }
    expect(ready.status).toBe(200);
    expect(await tags(2)).toEqual([{ name: DET(), digest: det.manifestDigest.slice(7) }]);
    const r = await client(2).chat({ model: DET(), messages: [{ role: 'user', content: 'Hi!' }] });
    expect(r.message.content).toBe(DETERMINISTIC_ANSWER);
    expect(late.output()).toContain(`catch-up: pulled ${DET()}, the version the peers have`);
    expect(late.output()).toContain(`catch-up: ${made} is on the peers but was not pulled here`);
    expect(late.output()).toContain('one made with /api/create or /api/copy on a peer does not');
    expect(late.output()).toMatch(
      new RegExp(
        `catch-up: ${other} is on the peers but was not pulled here \\(${other} in http://${registry.host} is version [0-9a-f]{12}, not ${changedDigest!.slice(0, 12)}\\)`,
      ),
    );
  }, 60_000);
});
