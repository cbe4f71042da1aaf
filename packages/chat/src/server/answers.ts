// Writing one answer: the conversation so far goes to the llm-manager's /api/chat, tokens stream back to the
// browser as they arrive and into the database at least every SAVE_MS (a crash loses at most that much), and the
// answer ends done, stopped (Stop or Esc, from any replica) or failed with the reason in words. A missing default
// model is pulled first, with progress. Stop aborts this answer's own request, so the llm-manager stops generating
// it at once, and nothing else. The browser leaving does not stop it (as in Open WebUI and ChatGPT): the answer goes
// on being written and saved, and a page opened again follows it (GET /api/messages/:id/events); it still ends
// where the model, num_predict or Stop ends it, and the server shutting down stops it.
import type { FastifyBaseLogger } from 'fastify';
import type { AbortableAsyncIterator, ChatResponse, Message as OllamaMessage } from 'ollama';
import type { AnswerEvents, AnswerStats, AnswerToolCall, Conversation, Message } from '../api.ts';
import type { ChatStore, Owner, StoredImage, Turn } from '../db/chatStore.ts';
import { DISK_FULL_MESSAGE, isDiskFull } from './errors.ts';
import { relayPull } from './pullProgress.ts';
import type { SseStream } from './sse.ts';
import {
  describeProblem,
  insecurePullRefusal,
  PullError,
  placementOf,
  pullFailure,
  sameModel,
  type Upstream,
} from './upstream.ts';

/** At most this much of a streaming answer is lost if the chatbot crashes. */
export const SAVE_MS = 500;

export type AnswerDeps = {
  store: ChatStore;
  upstream: Upstream;
  log: FastifyBaseLogger;
  defaultModel: string;
};

/**
 * The messages an answer is written from: the system prompt, then every earlier message that has text, each
 * question with its images (base64, as Ollama's `images`) when `images` has them: earlier images go with their
 * questions, as Open WebUI sends them, so a follow-up question is still about the picture.
 */
function chatHistory(
  conversation: Conversation,
  earlier: Message[],
  images: Map<number, StoredImage[]>,
): OllamaMessage[] {
  return [
    ...(conversation.system.trim() ? [{ role: 'system', content: conversation.system }] : []),
    ...earlier
      .filter((m) => m.content.trim())
      .map((m) => {
        const attached = images.get(m.id);
        const message = { role: m.role, content: m.content };
        return attached
          ? { ...message, images: attached.map((i) => Buffer.from(i.data).toString('base64')) }
          : message;
      }),
  ];
}

export class Answers {
  /** Answers being written now, by message id: aborting one stops that answer only. */
  private readonly running = new Map<number, { ac: AbortController; conversationId: number }>();

  constructor(private readonly deps: AnswerDeps) {}

  /** Stops an answer being written; false if it is not running (already finished, or unknown). */
  stop(answerId: number): boolean {
    const r = this.running.get(answerId);
    if (!r) return false;
    r.ac.abort();
    return true;
  }

  /** The conversation of an answer being written now. */
  conversationOf(answerId: number): number | undefined {
    return this.running.get(answerId)?.conversationId;
  }

  /** The answer being written in a conversation, if one is. */
  runningIn(conversationId: number): number | undefined {
    for (const [id, r] of this.running) if (r.conversationId === conversationId) return id;
    return undefined;
  }

  get count(): number {
    return this.running.size;
  }

  /** Stops every answer (the server is shutting down): each is saved as stopped. */
  stopAll(): void {
    for (const r of this.running.values()) r.ac.abort();
  }

  /** Writes the answer of a turn (its row is stored, marked streaming: ChatStore.startTurn), sending events to `sse`. */
  async write(owner: Owner, turn: Turn, sse: SseStream<AnswerEvents>): Promise<void> {
    const { store, upstream, log } = this.deps;
    const { conversation, answer, earlier } = turn;
    const model = conversation.model;
    const ac = new AbortController();
    this.running.set(answer.id, { ac, conversationId: conversation.id });

    let content = '';
    // A thinking model's reasoning and the tools it called are kept beside the content (null: none).
    let thinking = '';
    const toolCalls: AnswerToolCall[] = [];
    const extras = () => ({ thinking: thinking || null, toolCalls: toolCalls.length ? toolCalls : null });
    let saved = '';
    // The answer's saves, one after another: on PostgreSQL two queries from one pool may run in either order, and a
    // tick's save landing after the last one would put older text back over the answer's end (seen under load).
    let saving: Promise<unknown> = Promise.resolve();
    const saver = setInterval(() => {
      // Every tick renews the answer's lease (other replicas take an answer whose lease ran out for cut off) and
      // hears whether someone asked another replica to stop it, or deleted it.
      store
        .renewLease(answer.id)
        .then((goOn) => {
          if (!goOn) ac.abort();
        })
        .catch((e) => log.error({ err: e }, 'renewing the lease of an answer failed'));
      const now = `${content.length}:${thinking.length}:${toolCalls.length}`;
      if (now === saved) return;
      saved = now;
      const patch = { content, ...extras() };
      saving = saving
        .then(() => store.updateMessage(owner, answer.id, patch))
        .catch((e) => log.error({ err: e }, 'saving an answer failed'));
    }, SAVE_MS);
    /** Before the last save: no tick saves after it, and the tick saves under way are in. */
    const lastSave = () => {
      clearInterval(saver);
      return saving;
    };

    const client = upstream.client(ac.signal);
    let stream: AbortableAsyncIterator<ChatResponse> | undefined;
    const abortStream = () => stream?.abort();
    ac.signal.addEventListener('abort', abortStream);
    const started = performance.now();
    let firstTokenAt: number | undefined;
    let thinkingEndedAt: number | undefined;
    let final: ChatResponse | undefined;
    let pulled = false;
    let imagesNotSent = 0;
    try {
      sse.send('waiting', { reason: upstream.lastSaidLoaded(model) ? 'queued' : 'loading', model });
      // `think` is a conversation setting but /api/chat's own field, not a model option. `false` and a level (to a
      // model that takes levels) are sent, never `true`: a model that thinks does so unless told not to, and
      // `think: true` to one that cannot (the conversation's model changed since) would be refused with 400, where
      // `false` is accepted by every model (as Ollama does). Upstream.thinkFor decides.
      const { think: setting, ...options } = conversation.options;
      const think = upstream.thinkFor(model, setting);
      const { images, notSent } = await this.imagesFor(owner, model, earlier);
      imagesNotSent = notSent;
      const request = {
        model,
        messages: chatHistory(conversation, earlier, images),
        stream: true as const,
        options,
        ...(think !== undefined && { think }),
      };
      for (;;) {
        try {
          stream = await client.chat(request);
          break;
        } catch (e) {
          const missing = describeProblem(e, { url: upstream.url, model }).kind === 'model-missing';
          if (!missing || pulled || !sameModel(model, this.deps.defaultModel) || ac.signal.aborted) throw e;
          // A new chat uses the default model; the first message fetches it when the llm-manager lacks it.
          await this.pull(client, model, sse);
          pulled = true;
          sse.send('waiting', { reason: 'loading', model });
        }
      }
      const tokens: AbortableAsyncIterator<ChatResponse> = stream;
      if (ac.signal.aborted) tokens.abort();
      for await (const chunk of tokens) {
        const reasoning = chunk.message?.thinking ?? '';
        if (reasoning) {
          firstTokenAt ??= performance.now();
          thinking += reasoning;
          sse.send('thinking', { text: reasoning });
        }
        const text = chunk.message?.content ?? '';
        if (text) {
          firstTokenAt ??= performance.now();
          content += text;
          if (thinking) thinkingEndedAt ??= performance.now();
          sse.send('token', { text });
        }
        const calls = chunk.message?.tool_calls ?? [];
        if (calls.length) {
          firstTokenAt ??= performance.now();
          if (thinking) thinkingEndedAt ??= performance.now();
          for (const c of calls) toolCalls.push({ name: c.function.name, arguments: c.function.arguments });
          sse.send('toolCalls', { calls: toolCalls });
        }
        if (chunk.done) final = chunk;
      }
      const stats = await this.stats(final, model, started, firstTokenAt);
      if (thinking) stats.thinkingMs = Math.round((thinkingEndedAt ?? performance.now()) - firstTokenAt!);
      if (imagesNotSent) stats.imagesNotSent = imagesNotSent;
      await lastSave();
      const done = await store.updateMessage(owner, answer.id, {
        content,
        ...extras(),
        status: 'done',
        stats,
        error: null,
        ...(final && {
          counts: {
            prompt_eval_count: final.prompt_eval_count ?? 0,
            eval_count: final.eval_count ?? 0,
            eval_duration: final.eval_duration ?? 0,
          },
        }),
      });
      if (done) sse.send('done', { answer: done });
    } catch (e) {
      if (ac.signal.aborted) {
        log.info({ answer: answer.id, model }, 'answer stopped');
        const stats = firstTokenAt ? { timeToFirstTokenMs: Math.round(firstTokenAt - started) } : null;
        await lastSave();
        const stopped = await this.saveLast(
          owner,
          answer,
          { content, ...extras(), status: 'stopped', stats },
          sse,
        );
        if (stopped) sse.send('done', { answer: stopped });
      } else if (isDiskFull(e)) {
        // The answer arrived but the disk that holds the database is full: say so, not "the llm-manager failed".
        log.error({ answer: answer.id, err: e }, 'saving an answer failed: the disk is full');
        sse.send('error', {
          answer: { ...answer, content, ...extras(), status: 'error', error: DISK_FULL_MESSAGE },
        });
      } else {
        const problem = describeProblem(e, {
          url: upstream.url,
          model,
          midStream: firstTokenAt !== undefined,
        });
        const detail =
          problem.kind === 'failed' ? { err: e } : { reason: String((e as Error)?.message ?? e) };
        log.warn({ answer: answer.id, model, kind: problem.kind, ...detail }, 'answer failed');
        await lastSave();
        const failed = await this.saveLast(
          owner,
          answer,
          { content, ...extras(), status: 'error', error: problem.message },
          sse,
        );
        if (failed) sse.send('error', { answer: failed });
      }
    } finally {
      clearInterval(saver);
      ac.signal.removeEventListener('abort', abortStream);
      this.running.delete(answer.id);
      sse.end();
    }
  }

  /**
   * Saves an answer's last state. When that fails (the disk is full), the browser still gets the answer as it
   * stands with the reason it could not be kept, and undefined comes back so the caller sends nothing more.
   */
  private async saveLast(
    owner: Owner,
    answer: Message,
    patch: Parameters<ChatStore['updateMessage']>[2],
    sse: SseStream<AnswerEvents>,
  ): Promise<Message | undefined> {
    try {
      return await this.deps.store.updateMessage(owner, answer.id, patch);
    } catch (e) {
      this.deps.log.error({ answer: answer.id, err: e }, 'saving an answer failed');
      const error = isDiskFull(e)
        ? DISK_FULL_MESSAGE
        : `the answer could not be saved: ${(e as Error).message}`;
      sse.send('error', {
        answer: {
          ...answer,
          content: patch.content ?? answer.content,
          thinking: patch.thinking ?? answer.thinking,
          toolCalls: patch.toolCalls ?? answer.toolCalls,
          status: 'error',
          error,
        },
      });
      return undefined;
    }
  }

  /**
   * The images of the conversation's questions, to send with them; none when the model cannot read images (the
   * conversation's model was changed after they were attached: new images for it are refused with 400 before a
   * turn starts). Those are counted, and the answer says how many were not sent rather than dropping them silently.
   */
  private async imagesFor(
    owner: Owner,
    model: string,
    earlier: Message[],
  ): Promise<{ images: Map<number, StoredImage[]>; notSent: number }> {
    const withImages = earlier.filter((m) => m.images.length && m.content.trim());
    if (!withImages.length) return { images: new Map(), notSent: 0 };
    if ((await this.deps.upstream.readsImages(model)) === false) {
      this.deps.log.info({ model }, 'earlier images not sent: the model cannot read images');
      return { images: new Map(), notSent: withImages.reduce((n, m) => n + m.images.length, 0) };
    }
    const ids = withImages.map((m) => m.id);
    return { images: await this.deps.store.imagesOf(owner, ids), notSent: 0 };
  }

  /** Pulls `model` into the llm-manager, relaying the summed progress; throws with the reason if it fails. */
  private async pull(client: ReturnType<Upstream['client']>, model: string, sse: SseStream<AnswerEvents>) {
    const refusal = insecurePullRefusal(model, this.deps.upstream.insecureRegistries);
    if (refusal) throw new PullError(model, refusal);
    sse.send('waiting', { reason: 'pulling', model });
    try {
      await relayPull(client, model, this.deps.upstream, (p) => sse.send('pull', p));
    } catch (e) {
      if (describeProblem(e, { url: this.deps.upstream.url }).kind === 'unreachable') throw e;
      throw new PullError(model, pullFailure(e, this.deps.upstream.url));
    }
  }

  private async stats(
    final: ChatResponse | undefined,
    model: string,
    started: number,
    firstTokenAt: number | undefined,
  ): Promise<AnswerStats> {
    const stats: AnswerStats = {};
    if (firstTokenAt !== undefined) stats.timeToFirstTokenMs = Math.round(firstTokenAt - started);
    if (final) {
      stats.evalCount = final.eval_count;
      stats.promptEvalCount = final.prompt_eval_count;
      stats.doneReason = final.done_reason;
      if (final.eval_duration > 0) stats.tokensPerSecond = final.eval_count / (final.eval_duration / 1e9);
      if (final.load_duration > 0) stats.loadMs = Math.round(final.load_duration / 1e6);
    }
    try {
      const loaded = (await this.deps.upstream.ps()).find((m) => sameModel(m.name, model));
      if (loaded) stats.placement = placementOf(loaded.size, loaded.size_vram);
    } catch {
      // Where it ran is a nicety: an answer that arrived is not failed for want of it.
    }
    return stats;
  }
}
