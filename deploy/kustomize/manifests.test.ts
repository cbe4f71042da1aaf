// Every overlay rendered with kubectl's kustomize (as `kubectl apply -k` renders it), validated against the
// Kubernetes API schemas offline, and held to the rules the deploy issue sets: what makes a pod start, use its
// GPU, keep its data, drain, and be reachable only by what should reach it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readChatConfig } from '@ownchat/chat/config';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parsePeers } from '../../packages/manager/src/config/peers.ts';
import { parseModelName } from '../../packages/manager/src/model/name.ts';
import { isPullAllowed, parseAllowList } from '../../packages/manager/src/registry/allowList.ts';
import { IMAGES, RUNTIME_UID } from '../docker/images.ts';
import { type K8sObject, KUSTOMIZE_DIR, kustomizeVersion, render } from './render.ts';
import { hasKeptCrd, schemaErrors, unknownFields } from './schema.ts';

const OVERLAYS = ['cpu', 'nvidia', 'nvidia-device-plugin', 'ollama', 'ingress-traefik', 'scale-out'] as const;
type Overlay = (typeof OVERLAYS)[number];
/** Overlays whose llm-manager runs on an NVIDIA GPU (ingress-traefik builds on nvidia). */
const GPU: Overlay[] = ['nvidia', 'nvidia-device-plugin', 'ollama', 'ingress-traefik'];
const VERSION = JSON.parse(readFileSync(path.join(KUSTOMIZE_DIR, '../../package.json'), 'utf8')).version;

const rendered = new Map<Overlay, K8sObject[]>();

beforeAll(async () => {
  for (const overlay of OVERLAYS)
    rendered.set(overlay, await render(path.join(KUSTOMIZE_DIR, 'overlays', overlay)));
});

// biome-ignore lint/suspicious/noExplicitAny: parts of rendered objects
type Any = any;
const objects = (overlay: Overlay) => rendered.get(overlay)!;
const one = (overlay: Overlay, kind: string, name: string): K8sObject => {
  const found = objects(overlay).filter((o) => o.kind === kind && o.metadata.name === name);
  expect(found, `${overlay}: ${kind} ${name}`).toHaveLength(1);
  return found[0]!;
};
const workloads = (overlay: Overlay) =>
  objects(overlay).filter((o) => o.kind === 'StatefulSet' || o.kind === 'Deployment');
const podSpec = (w: K8sObject): Any => w.spec.template.spec;
const containers = (w: K8sObject): Any[] => [...(podSpec(w).initContainers ?? []), ...podSpec(w).containers];
const envOf = (c: Any, name: string): Any => c.env?.find((e: Any) => e.name === name);
const manager = (o: Overlay) => one(o, 'StatefulSet', 'llm-manager');
const chatbot = (o: Overlay) => one(o, 'Deployment', 'chatbot');
const managerContainer = (o: Overlay) => podSpec(manager(o)).containers[0];
/** The workloads that answer users: the ones with probes on HTTP, a drain and an API key. */
const servers = (o: Overlay) => [chatbot(o), manager(o)];
/** What each overlay runs besides the chatbot and the llm-manager. */
const EXTRA_WORKLOADS: Partial<Record<Overlay, string[]>> = { 'scale-out': ['llm-manager-epp', 'postgres'] };
const chatbotContainer = (o: Overlay) => podSpec(chatbot(o)).containers[0];

/** Whether a label selector (matchLabels only: these manifests use nothing else) selects these labels. */
function selects(selector: Any, labels: Record<string, string> | undefined): boolean {
  expect(selector.matchExpressions, 'selectors use matchLabels').toBeUndefined();
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
}
const podLabels = (w: K8sObject) => w.spec.template.metadata.labels;
/** A port as a Service, probe or policy names it (number or container port name), as a number. */
function portNumber(w: K8sObject, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  return containers(w)
    .flatMap((c) => c.ports ?? [])
    .find((p: Any) => p.name === port)?.containerPort;
}
/** The port an OLLAMA_HOST or OWNCHAT_LISTEN value ("0.0.0.0:11434", "http://llm-manager") means. */
function addressOf(value: string): { host: string; port: number } {
  const url = new URL(value.includes('://') ? value : `http://${value}`);
  return { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
}
const seconds = (probe: Any) => (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3);
/** The preStop pause: Kubernetes' sleep action, or a `sleep N` the image runs. */
const sleepOf = (c: Any) =>
  Number(c.lifecycle?.preStop?.sleep?.seconds ?? c.lifecycle?.preStop?.exec?.command?.at(-1) ?? 0);

it('renders with kustomize v5 (kubectl kustomize)', async () => {
  expect(await kustomizeVersion()).toMatch(/^v5\./);
});

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  it('validates against the Kubernetes API schemas', async () => {
    const errors = (await Promise.all(objects(overlay).map(schemaErrors))).flat();
    expect(errors).toEqual([]);
    expect(
      workloads(overlay)
        .map((w) => w.metadata.name)
        .sort(),
    ).toEqual(['chatbot', 'llm-manager', ...(EXTRA_WORKLOADS[overlay] ?? [])].sort());
  });

  it('gives every container startup, readiness and liveness probes, and resources', () => {
    for (const w of workloads(overlay)) {
      for (const c of containers(w)) {
        const where = `${w.metadata.name}/${c.name}`;
        for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
          expect(c[probe], `${where} ${probe}`).toBeDefined();
        }
        expect(c.resources?.requests?.cpu, `${where} cpu request`).toBeDefined();
        expect(c.resources?.requests?.memory, `${where} memory request`).toBeDefined();
        expect(c.resources?.limits?.memory, `${where} memory limit`).toBeDefined();
      }
    }
  });

  it('sizes the llm-manager probes for model loads: readiness on /readyz, liveness on /healthz', () => {
    const c = managerContainer(overlay);
    const [ready, alive] = overlay === 'ollama' ? ['/', '/'] : ['/readyz', '/healthz'];
    expect(c.readinessProbe.httpGet.path).toBe(ready);
    expect(c.livenessProbe.httpGet.path).toBe(alive);
    expect(c.startupProbe.httpGet.path).toBe(alive);
    // Minutes, not seconds: a slow start or a busy moment must not restart the pod.
    expect(seconds(c.startupProbe)).toBeGreaterThanOrEqual(180);
    expect(seconds(c.livenessProbe)).toBeGreaterThanOrEqual(60);
    expect(c.livenessProbe.timeoutSeconds).toBeGreaterThanOrEqual(5);
  });

  it('runs as a numeric non-root user with a read-only root filesystem and writable volumes', () => {
    for (const w of workloads(overlay)) {
      // The official Ollama image runs as root and writes under /root/.ollama: that overlay keeps its user.
      const ollama = overlay === 'ollama' && w.metadata.name === 'llm-manager';
      const pod = podSpec(w);
      for (const c of containers(w)) {
        const where = `${w.metadata.name}/${c.name}`;
        expect(c.securityContext?.allowPrivilegeEscalation, where).toBe(false);
        if (ollama) continue;
        expect(pod.securityContext.runAsNonRoot, where).toBe(true);
        expect(c.securityContext.runAsUser ?? pod.securityContext.runAsUser, where).toBe(RUNTIME_UID);
        expect(c.securityContext.runAsGroup ?? pod.securityContext.runAsGroup, where).toBe(RUNTIME_UID);
        expect(c.securityContext.readOnlyRootFilesystem, where).toBe(true);
        expect(c.securityContext.capabilities?.drop, where).toEqual(['ALL']);
        const tmp = c.volumeMounts.find((m: Any) => m.mountPath === '/tmp');
        expect(pod.volumes.find((v: Any) => v.name === tmp?.name)?.emptyDir, `${where} /tmp`).toBeDefined();
      }
      if (!ollama) expect(pod.securityContext.fsGroup).toBe(RUNTIME_UID);
    }
  });

  it("pins every image by version (never latest), ours at package.json's version", () => {
    const images = workloads(overlay).flatMap((w) => containers(w).map((c) => c.image as string));
    // x.y.z, or x.y where that is the project's whole version (PostgreSQL's 17.6), with or without a "v".
    for (const image of images) expect(image).toMatch(/^[^:]+:v?\d+\.\d+(\.\d+)?(-[\w.]+)?$/);
    const managerImage =
      overlay === 'ollama'
        ? 'ollama/ollama:0.13.0'
        : `${IMAGES['llm-manager'].repository}:${VERSION}${GPU.includes(overlay) ? IMAGES['llm-manager-cuda'].tagSuffix : ''}`;
    expect(managerContainer(overlay).image).toBe(managerImage);
    expect(chatbotContainer(overlay).image).toBe(`${IMAGES.chatbot.repository}:${VERSION}`);
  });

  it('connects the chatbot to the llm-manager: Service names and ports match what each listens on and probes', () => {
    const managerListen = addressOf(envOf(managerContainer(overlay), 'OLLAMA_HOST').value);
    const chatListen = addressOf(envOf(chatbotContainer(overlay), 'OWNCHAT_LISTEN').value);
    expect(managerListen).toEqual({ host: '0.0.0.0', port: 11434 });
    expect(chatListen.host).toBe('0.0.0.0');

    /** The container port a Service port reaches, checking the Service selects exactly that workload. */
    const reach = (service: string, port: number, target: K8sObject) => {
      const svc = one(overlay, 'Service', service);
      expect(
        workloads(overlay).filter((w) => selects({ matchLabels: svc.spec.selector }, podLabels(w))),
      ).toEqual([target]);
      const p = svc.spec.ports.find((x: Any) => x.port === port);
      expect(p, `${service}:${port}`).toBeDefined();
      return portNumber(target, p.targetPort ?? p.port);
    };
    // The seed's OLLAMA_HOST=http://llm-manager, and Ollama's own port (scale-out: the gateway, tested below).
    const upstream = addressOf(envOf(chatbotContainer(overlay), 'OLLAMA_HOST').value);
    if (overlay !== 'scale-out') {
      expect(upstream.host).toBe('llm-manager');
      expect(reach(upstream.host, upstream.port, manager(overlay))).toBe(managerListen.port);
    }
    expect(reach('llm-manager', 11434, manager(overlay))).toBe(managerListen.port);
    expect(reach('chatbot', 80, chatbot(overlay))).toBe(chatListen.port);
    for (const [w, listen] of [
      [manager(overlay), managerListen],
      [chatbot(overlay), chatListen],
    ] as const) {
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        expect(portNumber(w, podSpec(w).containers[0][probe].httpGet.port), probe).toBe(listen.port);
      }
    }
  });

  it('lets only its clients reach the llm-manager, and the llm-manager resolve names and pull', () => {
    const policies = objects(overlay).filter((o) => o.kind === 'NetworkPolicy');
    const managerPods = podLabels(manager(overlay));
    const mine = policies.filter((p) => selects(p.spec.podSelector, managerPods));
    expect(mine).toHaveLength(1);
    const policy = mine[0]!;
    expect(selects(policy.spec.podSelector, podLabels(chatbot(overlay)))).toBe(false);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const port = addressOf(envOf(managerContainer(overlay), 'OLLAMA_HOST').value).port;
    const admits = (labels: Record<string, string>, to: number) =>
      policy.spec.ingress.some(
        (rule: Any) =>
          rule.from?.some((peer: Any) => !peer.namespaceSelector && selects(peer.podSelector, labels)) &&
          rule.ports?.some((p: Any) => portNumber(manager(overlay), p.port) === to),
      );
    // The chatbot, or in scale-out the gateway's proxies and the endpoint picker (the chatbot goes through them).
    const clients =
      overlay === 'scale-out'
        ? [
            {
              'gateway.networking.k8s.io/gateway-name': one(overlay, 'Gateway', 'ownchat-gateway').metadata
                .name,
            },
            podLabels(one(overlay, 'Deployment', 'llm-manager-epp')),
          ]
        : [podLabels(chatbot(overlay))];
    for (const labels of clients) expect(admits(labels, port), JSON.stringify(labels)).toBe(true);
    expect(admits(podLabels(chatbot(overlay)), port)).toBe(overlay !== 'scale-out');
    expect(admits({ 'app.kubernetes.io/name': 'something-else' }, port)).toBe(false);
    expect(admits({}, port)).toBe(false);
    expect(policy.spec.ingress.every((rule: Any) => rule.from?.length)).toBe(true);
    const egress = (protocol: string, to: number) =>
      policy.spec.egress.some(
        (rule: Any) => !rule.to && rule.ports.some((p: Any) => p.port === to && p.protocol === protocol),
      );
    expect(egress('UDP', 53) && egress('TCP', 53)).toBe(true);
    expect(egress('TCP', 443)).toBe(true);
  });

  it('has PodDisruptionBudgets that let `kubectl drain` evict a pod of each workload, and keep a chatbot of several', () => {
    const pdbs = objects(overlay).filter((o) => o.kind === 'PodDisruptionBudget');
    const covered: string[] = [];
    for (const pdb of pdbs) {
      const targets = workloads(overlay).filter((w) => selects(pdb.spec.selector, podLabels(w)));
      expect(targets, pdb.metadata.name).toHaveLength(1);
      covered.push(targets[0]!.metadata.name);
      const replicas = targets[0]!.spec.replicas ?? 1;
      const allowed =
        pdb.spec.maxUnavailable !== undefined ? pdb.spec.maxUnavailable : replicas - pdb.spec.minAvailable;
      expect(allowed, pdb.metadata.name).toBeGreaterThanOrEqual(1);
      // Several replicas: a drain must leave one serving.
      if (replicas > 1) expect(replicas - allowed, pdb.metadata.name).toBeGreaterThanOrEqual(1);
    }
    const stateful = ['chatbot', 'llm-manager', ...(overlay === 'scale-out' ? ['postgres'] : [])];
    expect(covered.sort()).toEqual(stateful.sort());
  });

  it('keeps models and conversations on PVCs, and preloads through the llm-manager (no hooks, no init loops)', () => {
    const sts = manager(overlay);
    const models = envOf(managerContainer(overlay), 'OLLAMA_MODELS').value;
    const mount = managerContainer(overlay).volumeMounts.find((m: Any) => m.mountPath === models);
    expect(sts.spec.volumeClaimTemplates.map((t: Any) => t.metadata.name)).toContain(mount?.name);
    expect(sts.spec.volumeClaimTemplates[0].spec.accessModes).toEqual(['ReadWriteOnce']);

    const dep = chatbot(overlay);
    const data = envOf(chatbotContainer(overlay), 'OWNCHAT_DATA').value;
    const dataMount = chatbotContainer(overlay).volumeMounts.find((m: Any) => m.mountPath === data);
    const dataVolume = podSpec(dep).volumes.find((v: Any) => v.name === dataMount?.name);
    if (overlay === 'scale-out') {
      // Conversations in PostgreSQL, on its own PVC: the chatbots keep nothing and replace each other one by one.
      expect(dataVolume.emptyDir).toBeDefined();
      expect(objects(overlay).filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
      expect(dep.spec.strategy).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
      });
      const postgres = one(overlay, 'StatefulSet', 'postgres');
      const pgdata = envOf(podSpec(postgres).containers[0], 'PGDATA').value as string;
      const pgMount = podSpec(postgres).containers[0].volumeMounts.find((m: Any) =>
        pgdata.startsWith(`${m.mountPath}/`),
      );
      expect(postgres.spec.volumeClaimTemplates.map((t: Any) => t.metadata.name)).toEqual([pgMount?.name]);
    } else {
      const pvc = one(overlay, 'PersistentVolumeClaim', dataVolume?.persistentVolumeClaim?.claimName);
      expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
      // A rolling update would start a second pod that cannot mount the ReadWriteOnce volume.
      expect(dep.spec.strategy.type).toBe('Recreate');
    }

    for (const w of workloads(overlay)) {
      expect(podSpec(w).initContainers, w.metadata.name).toBeUndefined();
      for (const c of containers(w)) expect(c.lifecycle?.postStart, w.metadata.name).toBeUndefined();
    }
    // Scale-out: every replica pulls and loads the chatbot's default model itself before it takes requests.
    if (overlay === 'scale-out')
      expect(envOf(managerContainer(overlay), 'OWNCHAT_PRELOAD').value).toBe(
        envOf(chatbotContainer(overlay), 'OWNCHAT_DEFAULT_MODEL').value,
      );
    // The setting is there to fill in, empty: a preload model that cannot be loaded keeps the pod unready.
    else if (overlay !== 'ollama')
      expect(envOf(managerContainer(overlay), 'OWNCHAT_PRELOAD')).toEqual({
        name: 'OWNCHAT_PRELOAD',
        value: '',
      });
  });

  it('pulls only from the public registries by default (OWNCHAT_PULL_ALLOW), not from the cluster network', () => {
    if (overlay === 'ollama') return; // Ollama itself has no allow-list
    const patterns = parseAllowList(envOf(managerContainer(overlay), 'OWNCHAT_PULL_ALLOW')?.value);
    const allowed = (name: string) => isPullAllowed(patterns, parseModelName(name));
    for (const name of [
      'qwen2.5:0.5b',
      'library/llama3.2:1b',
      'registry.ollama.ai/library/phi3',
      'hf.co/bartowski/x',
    ]) {
      expect(allowed(name), name).toBe(true);
    }
    expect(allowed('huggingface.co/bartowski/x:Q4_K_M')).toBe(true);
    for (const name of [
      '10.0.0.5:5000/team/m',
      '169.254.169.254/latest/meta-data',
      'llm-manager:11434/x/y',
    ]) {
      expect(allowed(name), name).toBe(false);
    }
  });

  it('gives running answers time to finish: grace period longer than preStop plus the drain timeout', () => {
    for (const w of servers(overlay)) {
      const c = podSpec(w).containers[0];
      const drain = Number(envOf(c, 'OWNCHAT_DRAIN_TIMEOUT')?.value ?? 0);
      expect(sleepOf(c), w.metadata.name).toBeGreaterThan(0);
      expect(podSpec(w).terminationGracePeriodSeconds, w.metadata.name).toBeGreaterThan(sleepOf(c) + drain);
    }
    if (overlay !== 'ollama')
      expect(envOf(managerContainer(overlay), 'OWNCHAT_DRAIN_TIMEOUT').value).toBe('30');
  });

  it('runs nothing in the chatbot but node: its image has no shell and no other program (FROM scratch)', () => {
    const c = chatbotContainer(overlay);
    const handlers = [
      c.lifecycle?.preStop,
      c.lifecycle?.postStart,
      c.readinessProbe,
      c.livenessProbe,
      c.startupProbe,
    ];
    expect(handlers.filter((h) => h?.exec)).toEqual([]);
  });

  it('asks for accounts: the chatbot reads its settings cleanly and OWNCHAT_AUTH is not off', () => {
    const env = Object.fromEntries(
      chatbotContainer(overlay)
        .env.filter((e: Any) => e.value !== undefined)
        .map((e: Any) => [e.name, e.value]),
    );
    const config = readChatConfig(env);
    expect(config.auth).toBe('local');
    expect(config.listen.host).toBe('0.0.0.0');
    // Behind the Ingress, Traefik's pods are the chatbot's trusted proxies.
    expect(config.trustedProxies).toEqual(overlay === 'ingress-traefik' ? ['10.42.0.0/16'] : []);
  });

  it('hands the API keys from one Secret: OWNCHAT_API_KEYS to the llm-manager, OWNCHAT_API_KEY to the chatbot', () => {
    const secret = objects(overlay).find(
      (o) => o.kind === 'Secret' && o.metadata.name.startsWith('ownchat-api-keys'),
    )!;
    expect(Object.keys(secret.data).sort()).toEqual(['OWNCHAT_API_KEY', 'OWNCHAT_API_KEYS']);
    const uses = [[chatbotContainer(overlay), 'OWNCHAT_API_KEY']];
    if (overlay !== 'ollama') uses.push([managerContainer(overlay), 'OWNCHAT_API_KEYS']);
    for (const [c, name] of uses) {
      expect(envOf(c, name).valueFrom.secretKeyRef).toEqual({ name: secret.metadata.name, key: name });
    }
  });
});

it('has no field the Kubernetes API does not know, in any overlay', async () => {
  // Kinds checked against a kept CRD have no TypeScript types: their schema check refuses unknown fields itself.
  const all = OVERLAYS.flatMap((overlay) =>
    objects(overlay)
      .filter((obj) => !hasKeptCrd(obj))
      .map((obj) => ({ where: overlay, obj })),
  );
  expect(await unknownFields(all)).toEqual([]);
}, 60_000);

describe('GPUs', () => {
  it('runs the llm-manager under the nvidia RuntimeClass in every GPU overlay, and the CPU overlay without', () => {
    for (const overlay of OVERLAYS) {
      expect(podSpec(manager(overlay)).runtimeClassName, overlay).toBe(
        GPU.includes(overlay) ? 'nvidia' : undefined,
      );
      expect(envOf(managerContainer(overlay), 'NVIDIA_DRIVER_CAPABILITIES')?.value, overlay).toBe(
        GPU.includes(overlay) ? 'compute,utility' : undefined,
      );
      expect(podSpec(chatbot(overlay)).runtimeClassName, overlay).toBeUndefined();
    }
  });

  it('asks for an nvidia.com/gpu only with the device plugin, and hands out all GPUs only without it', () => {
    for (const overlay of OVERLAYS) {
      const plugin = overlay === 'nvidia-device-plugin';
      const gpuLimits = workloads(overlay).flatMap((w) =>
        containers(w).map((c) => c.resources?.limits?.['nvidia.com/gpu']),
      );
      expect(
        gpuLimits.filter((l) => l !== undefined),
        overlay,
      ).toEqual(plugin ? [1] : []);
      const tolerations = podSpec(manager(overlay)).tolerations ?? [];
      expect(tolerations, overlay).toEqual(
        plugin ? [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] : [],
      );
      expect(envOf(managerContainer(overlay), 'NVIDIA_VISIBLE_DEVICES')?.value, overlay).toBe(
        GPU.includes(overlay) && !plugin ? 'all' : undefined,
      );
    }
  });
});

describe('ingress for k3s Traefik', () => {
  it('routes to the chatbot Service through a ServersTransport that does not cut streams', () => {
    const ingress = one('ingress-traefik', 'Ingress', 'chatbot');
    expect(ingress.spec.ingressClassName).toBe('traefik');
    const backend = ingress.spec.rules[0].http.paths[0].backend.service;
    const svc = one('ingress-traefik', 'Service', backend.name);
    expect(svc.spec.ports.map((p: Any) => p.name)).toContain(backend.port.name);
    const transport = one('ingress-traefik', 'ServersTransport', 'chatbot-streaming');
    expect(svc.metadata.annotations?.['traefik.ingress.kubernetes.io/service.serverstransport']).toBe(
      `default-${transport.metadata.name}@kubernetescrd`,
    );
    expect(transport.spec.forwardingTimeouts.responseHeaderTimeout).toBe('0s');
  });

  it('offers entry-point settings for the packaged Traefik with no write timeout', () => {
    const file = path.join(KUSTOMIZE_DIR, 'overlays/ingress-traefik/traefik-entrypoints.yaml');
    const config = parseYaml(readFileSync(file, 'utf8'));
    expect([config.kind, config.metadata.name, config.metadata.namespace]).toEqual([
      'HelmChartConfig',
      'traefik',
      'kube-system',
    ]);
    const args: string[] = parseYaml(config.spec.valuesContent).additionalArguments;
    for (const entryPoint of ['web', 'websecure']) {
      expect(args).toContain(`--entryPoints.${entryPoint}.transport.respondingTimeouts.writeTimeout=0s`);
    }
  });
});

it('commits no API key: api-keys.env leaves both keys empty', () => {
  const env = readFileSync(path.join(KUSTOMIZE_DIR, 'base/api-keys.env'), 'utf8');
  const entries = env
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.split('='));
  expect(entries).toEqual([
    ['OWNCHAT_API_KEYS', ''],
    ['OWNCHAT_API_KEY', ''],
  ]);
});

describe('scale-out: chatbots on PostgreSQL, llm-managers behind an inference gateway', () => {
  const o = 'scale-out' as const;
  const managerPort = () => addressOf(envOf(managerContainer(o), 'OLLAMA_HOST').value).port;

  it('runs two or more of each, the chatbot through the gateway: Gateway → HTTPRoute → InferencePool → llm-manager pods', () => {
    expect(chatbot(o).spec.replicas).toBeGreaterThanOrEqual(2);
    expect(manager(o).spec.replicas).toBeGreaterThanOrEqual(2);
    const gateway = one(o, 'Gateway', 'ownchat-gateway');
    expect(gateway.spec.gatewayClassName).toBe('istio');
    // Istio names a Gateway's Service "<name>-istio"; ClusterIP keeps it off the nodes' ports 80/443 (Traefik's).
    expect(gateway.metadata.annotations?.['networking.istio.io/service-type']).toBe('ClusterIP');
    const upstream = addressOf(envOf(chatbotContainer(o), 'OLLAMA_HOST').value);
    expect(upstream.host).toBe(`${gateway.metadata.name}-istio`);
    const listener = gateway.spec.listeners.find((l: Any) => l.port === upstream.port);
    expect(listener?.protocol).toBe('HTTP');

    const route = one(o, 'HTTPRoute', 'llm-manager');
    expect(route.spec.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway.metadata.name },
    ]);
    const rule = route.spec.rules[0];
    expect(route.spec.rules).toHaveLength(1);
    expect(rule.matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
    // Answers stream for minutes: no request timeout.
    expect(rule.timeouts).toEqual({ request: '0s' });
    expect(rule.backendRefs).toHaveLength(1);
    const ref = rule.backendRefs[0];
    expect([ref.group, ref.kind]).toEqual(['inference.networking.k8s.io', 'InferencePool']);

    const pool = one(o, 'InferencePool', ref.name);
    expect(workloads(o).filter((w) => selects(pool.spec.selector, podLabels(w)))).toEqual([manager(o)]);
    expect(pool.spec.targetPorts).toEqual([{ number: managerPort() }]);
    expect(pool.spec.endpointPickerRef.failureMode).toBe('FailOpen');
  });

  it("points the pool at its endpoint picker's Service and gRPC port, with the RBAC the picker needs", () => {
    const pool = one(o, 'InferencePool', 'llm-manager');
    const epp = one(o, 'Deployment', 'llm-manager-epp');
    const svc = one(o, 'Service', pool.spec.endpointPickerRef.name);
    expect(workloads(o).filter((w) => selects({ matchLabels: svc.spec.selector }, podLabels(w)))).toEqual([
      epp,
    ]);
    const port = svc.spec.ports.find((p: Any) => p.port === pool.spec.endpointPickerRef.port.number);
    expect(portNumber(epp, port.targetPort)).toBe(9002);
    const args: string[] = podSpec(epp).containers[0].args;
    expect(args).toContain(`--pool-name=${pool.metadata.name}`);
    expect(args).toContain('--pool-group=inference.networking.k8s.io');
    // The pool's namespace is the picker's own, from the downward API.
    expect(envOf(podSpec(epp).containers[0], 'NAMESPACE').valueFrom.fieldRef.fieldPath).toBe(
      'metadata.namespace',
    );
    const role = one(o, 'Role', 'llm-manager-epp');
    const can = (group: string, resource: string) =>
      role.rules.some(
        (r: Any) =>
          r.apiGroups.includes(group) &&
          r.resources.includes(resource) &&
          ['get', 'watch', 'list'].every((v) => r.verbs.includes(v)),
      );
    expect(can('', 'pods') && can('inference.networking.k8s.io', 'inferencepools')).toBe(true);
    const binding = one(o, 'RoleBinding', 'llm-manager-epp');
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: podSpec(epp).serviceAccountName }]);
    one(o, 'ServiceAccount', podSpec(epp).serviceAccountName);
    // Its config file is the ConfigMap's key.
    const file = args.find((a) => a.startsWith('--config-file='))!.split('=')[1]!;
    const mount = podSpec(epp).containers[0].volumeMounts.find((m: Any) =>
      file.startsWith(`${m.mountPath}/`),
    );
    const volume = podSpec(epp).volumes.find((v: Any) => v.name === mount.name);
    const config = one(o, 'ConfigMap', volume.configMap.name);
    expect(Object.keys(config.data)).toEqual([path.basename(file)]);
  });

  it('lets the endpoint picker scrape /metrics without a key, and pulls and preloads on every replica', () => {
    expect(envOf(managerContainer(o), 'OWNCHAT_METRICS_OPEN').value).toBe('1');
    expect(manager(o).spec.podManagementPolicy).toBe('Parallel');
    // Ready (in the pool) only once the preload is in memory.
    expect(managerContainer(o).readinessProbe.httpGet.path).toBe('/readyz');
  });

  it('relays pulls and deletes to every replica: OWNCHAT_PEERS names a headless Service of the llm-manager pods', () => {
    const [peers, ...more] = parsePeers(envOf(managerContainer(o), 'OWNCHAT_PEERS').value);
    expect(more).toEqual([]);
    // A short name: it resolves in the pods' own namespace, whichever the overlay is applied to.
    const svc = one(o, 'Service', peers!.host);
    expect(svc.spec.clusterIP).toBe('None'); // its DNS name gives every pod's address, not one virtual IP
    // Ready pods only: a replica starting up catches up by itself, one draining is not asked.
    expect(svc.spec.publishNotReadyAddresses).toBeUndefined();
    expect(workloads(o).filter((w) => selects({ matchLabels: svc.spec.selector }, podLabels(w)))).toEqual([
      manager(o),
    ]);
    const port = svc.spec.ports.find((p: Any) => p.port === peers!.port);
    // A headless Service does no port mapping: the name's port must be the one the pods listen on.
    expect(peers!.port).toBe(managerPort());
    expect(portNumber(manager(o), port.targetPort)).toBe(managerPort());

    // The replicas may reach each other on that port, in and out.
    const policy = one(o, 'NetworkPolicy', 'llm-manager');
    const managers = podLabels(manager(o));
    const inNamespace = (peer: Any, labels: Record<string, string>) =>
      !peer.namespaceSelector && !!peer.podSelector && selects(peer.podSelector, labels);
    const onPort = (rule: Any) =>
      rule.ports.some((p: Any) => portNumber(manager(o), p.port) === managerPort() && p.protocol === 'TCP');
    expect(
      policy.spec.ingress.some(
        (rule: Any) => rule.from.some((f: Any) => inNamespace(f, managers)) && onPort(rule),
      ),
    ).toBe(true);
    expect(
      policy.spec.egress.some(
        (rule: Any) => rule.to?.some((t: Any) => inNamespace(t, managers)) && onPort(rule),
      ),
    ).toBe(true);
    // Only they: the chatbot still goes through the gateway.
    expect(
      policy.spec.ingress.some((rule: Any) =>
        rule.from.some((f: Any) => inNamespace(f, podLabels(chatbot(o)))),
      ),
    ).toBe(false);
  });

  it('gives DATABASE_URL to the chatbot and the password to PostgreSQL from one Secret, committed empty', () => {
    const secret = objects(o).find(
      (x) => x.kind === 'Secret' && x.metadata.name.startsWith('ownchat-database'),
    )!;
    expect(envOf(chatbotContainer(o), 'DATABASE_URL').valueFrom.secretKeyRef).toEqual({
      name: secret.metadata.name,
      key: 'DATABASE_URL',
    });
    const postgres = podSpec(one(o, 'StatefulSet', 'postgres')).containers[0];
    expect(envOf(postgres, 'POSTGRES_PASSWORD').valueFrom.secretKeyRef).toEqual({
      name: secret.metadata.name,
      key: 'POSTGRES_PASSWORD',
    });
    expect(postgres.image).toMatch(/^postgres:\d+\.\d+$/);
    expect(secret.data).toEqual({ DATABASE_URL: '', POSTGRES_PASSWORD: '' });
    // The URL README tells to write names the Service, port, user and database PostgreSQL is given here.
    const svc = one(o, 'Service', 'postgres');
    const url = new URL(`postgres://ownchat:pw@${svc.metadata.name}:${svc.spec.ports[0].port}/ownchat`);
    expect(url.username).toBe(envOf(postgres, 'POSTGRES_USER').value);
    expect(url.pathname.slice(1)).toBe(envOf(postgres, 'POSTGRES_DB').value);
    expect(portNumber(one(o, 'StatefulSet', 'postgres'), svc.spec.ports[0].targetPort)).toBe(5432);
    const envFile = readFileSync(path.join(KUSTOMIZE_DIR, 'overlays/scale-out/database.env'), 'utf8');
    expect(envFile).toContain(`DATABASE_URL=${url.href.replace('pw', '%s')}`);
  });

  it('lets only the chatbots reach PostgreSQL, and PostgreSQL reach nothing', () => {
    const policy = one(o, 'NetworkPolicy', 'postgres');
    const postgres = one(o, 'StatefulSet', 'postgres');
    expect(workloads(o).filter((w) => selects(policy.spec.podSelector, podLabels(w)))).toEqual([postgres]);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.egress).toEqual([]);
    expect(policy.spec.ingress).toHaveLength(1);
    const [rule] = policy.spec.ingress;
    expect(
      rule.from.map((p: Any) => workloads(o).filter((w) => selects(p.podSelector, podLabels(w)))),
    ).toEqual([[chatbot(o)]]);
    expect(rule.ports.map((p: Any) => portNumber(postgres, p.port))).toEqual([5432]);
  });

  it('scales the llm-managers with KEDA on vllm:num_requests_waiting, never below the StatefulSet', () => {
    const scaled = one(o, 'ScaledObject', 'llm-manager');
    expect(scaled.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      name: 'llm-manager',
    });
    expect(scaled.spec.minReplicaCount).toBe(manager(o).spec.replicas);
    expect(scaled.spec.maxReplicaCount).toBeGreaterThan(scaled.spec.minReplicaCount);
    expect(scaled.spec.triggers).toHaveLength(1);
    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe('prometheus');
    expect(trigger.metadata.query).toMatch(/\bvllm:num_requests_waiting\{job="llm-manager"\}/);
    expect(Number(trigger.metadata.threshold)).toBeGreaterThan(0);
  });
});
