// What a pull's progress stream adds up to (per layer and overall: bytes, speed, time left), as pure functions
// of the events and the time each arrived, so they are tested without a network. The ownchat command draws them
// (packages/cli: pull.ts, progressView.ts) and the chatbot sends them to the page (server/pullProgress.ts): one
// rule for both. The rule is Ollama's progress bar's (progress/bar.go): speed over the last 10 seconds; ours also
// measures up to now, so a stalled download's speed falls toward zero, and counts the bytes a layer already had
// (present, or resumed) as done but not as speed.
//
// The stream is Ollama's: {"status":"pulling manifest"}, then per layer {"status":"pulling <12 hex>","digest",
// "total","completed"} repeated as bytes arrive (a layer already present: one line with completed == total),
// then "verifying sha256 digest", "writing manifest", "success".

export type PullEvent = { status: string; digest?: string; total?: number; completed?: number };

/** Bytes seen at a moment: the samples speed is measured over. */
type Sample = { at: number; bytes: number };

export type LayerState = {
  digest: string;
  /** "pulling 8eeb52dfb3bb", as the server names it. */
  label: string;
  total: number;
  completed: number;
  /** Bytes that arrived during this pull (not those already on disk when it began): what speed counts. */
  transferred: number;
  samples: Sample[];
};

export type PullState = {
  /** The latest status that is not a layer's ("pulling manifest", "verifying sha256 digest", …). */
  statuses: string[];
  layers: LayerState[];
  /** Overall transfer samples (sum over layers). */
  samples: Sample[];
  transferred: number;
};

/** Speed is measured over this trailing window: long enough to smooth bursts, short enough to follow changes. */
export const SPEED_WINDOW_MS = 10_000;
/** Under this much history the speed measures the network's burstiness, not its speed: it is not given yet. */
const MIN_SPAN_MS = 250;

export const emptyPull: PullState = { statuses: [], layers: [], samples: [], transferred: 0 };

/** The state after one more event, received at `at` (ms). Returns a new state; the old one is unchanged. */
export function applyPullEvent(state: PullState, event: PullEvent, at: number): PullState {
  if (!event.digest) {
    if (!event.status || state.statuses.at(-1) === event.status) return state;
    return { ...state, statuses: [...state.statuses, event.status] };
  }
  const total = Math.max(0, event.total ?? 0);
  const completed = Math.max(0, Math.min(event.completed ?? 0, total || Number.POSITIVE_INFINITY));
  const i = state.layers.findIndex((l) => l.digest === event.digest);
  const prev = state.layers[i];
  let gained = 0;
  let layer: LayerState;
  if (!prev) {
    // The first line of a layer is where it starts: bytes it already has were not transferred now.
    layer = {
      digest: event.digest,
      label: event.status || `pulling ${shortDigest(event.digest)}`,
      total,
      completed,
      transferred: 0,
      samples: [{ at, bytes: 0 }],
    };
  } else {
    gained = Math.max(0, completed - prev.completed);
    const transferred = prev.transferred + gained;
    layer = {
      ...prev,
      total: total || prev.total,
      completed: Math.max(prev.completed, completed),
      transferred,
      samples: trim([...prev.samples, { at, bytes: transferred }], at),
    };
  }
  const layers = prev ? state.layers.map((l, j) => (j === i ? layer : l)) : [...state.layers, layer];
  const transferred = state.transferred + gained;
  const samples = trim(
    [...(state.samples.length ? state.samples : [{ at, bytes: 0 }]), { at, bytes: transferred }],
    at,
  );
  return { ...state, layers, transferred, samples };
}

/** Keeps the samples inside the window, plus the last one before it (the window's starting point). */
function trim(samples: Sample[], now: number): Sample[] {
  let first = 0;
  while (first + 1 < samples.length && samples[first + 1]!.at <= now - SPEED_WINDOW_MS) first++;
  return first ? samples.slice(first) : samples;
}

export type Rate = {
  completed: number;
  total: number;
  /** Bytes per second over the last SPEED_WINDOW_MS; 0 until there is MIN_SPAN_MS of history. */
  bytesPerSecond: number;
  /** Seconds left at that speed; undefined when the speed is unknown or it is done. */
  secondsLeft: number | undefined;
};

function rate(samples: Sample[], completed: number, total: number, now: number): Rate {
  const first = samples[0];
  const last = samples.at(-1);
  let bytesPerSecond = 0;
  if (first && last) {
    // Measured up to now, not to the last sample: a stalled download's speed falls toward zero.
    const span = Math.max(now, last.at) - first.at;
    if (span >= MIN_SPAN_MS) bytesPerSecond = ((last.bytes - first.bytes) * 1000) / span;
  }
  const left = Math.max(0, total - completed);
  const secondsLeft = left > 0 && bytesPerSecond > 0 ? left / bytesPerSecond : undefined;
  return { completed, total, bytesPerSecond, secondsLeft };
}

export function layerRate(layer: LayerState, now: number): Rate {
  return rate(layer.samples, layer.completed, layer.total, now);
}

/** All layers together: bytes done of bytes known, the overall speed and time left. */
export function overallRate(state: PullState, now: number): Rate {
  let completed = 0;
  let total = 0;
  for (const l of state.layers) {
    completed += l.completed;
    total += l.total;
  }
  return rate(state.samples, completed, total, now);
}

export function shortDigest(digest: string): string {
  return digest.replace(/^sha256[:-]/, '').slice(0, 12);
}
