// Translation push (protocol 2): translates each final into init's target language and sends
// it after the final; says once when it cannot, and lets `stop` wait for the ones in flight.
import type { ErrorCode, FinalMessage, ServerMessage } from '../../protocol/index.ts';
import { normalizeLanguage } from '../../protocol/index.ts';
import type { TranslationService } from '../translate/service.ts';

/** How long `drain` waits for translations still in flight before giving up on them. */
const TRANSLATION_DRAIN_MS = 10_000;

export class TranslationPush {
  /** init's targetLanguage when this server translates; null: no pushed translations. */
  private targetLanguage: string | null;
  private readonly translating = new Set<Promise<void>>();
  private failed = false;

  constructor(
    private readonly service: TranslationService | null,
    /** init's targetLanguage field ("none" or a language tag). */
    requested: string,
    private readonly send: (msg: ServerMessage) => void,
    private readonly error: (code: ErrorCode, message: string) => void,
  ) {
    const target = requested === 'none' ? null : normalizeLanguage(requested);
    this.targetLanguage = service && target ? target : null;
  }

  /** The language finals are pushed in; null when none are. */
  get target(): string | null {
    return this.targetLanguage;
  }

  /** Drops the target (and says why) when the back end lacks the pair; null when all is well. */
  async checkPair(language: string): Promise<string | null> {
    const service = this.service;
    const target = this.targetLanguage;
    if (!service || !target || !language || language === target) return null;
    if (await service.supports(language, target)) return null;
    this.targetLanguage = null;
    this.failed = true;
    return `captions are not translated: the server's ${service.backend.name} back end has no ${language}→${target} pair`;
  }

  /** Translates a final into the target language and sends it after the final. */
  push(final: FinalMessage): void {
    const service = this.service;
    const target = this.targetLanguage;
    const source = normalizeLanguage(final.language);
    if (!service || !target || !source || source === target || !final.text.trim()) return;
    const job = service
      .translate([final.text], source, target)
      .then(([text]) => this.send({ type: 'translation', segmentId: final.segmentId, text: text ?? '', language: target }))
      .catch((err: Error) => {
        // Once per session: captions go on untranslated; the client may translate itself.
        if (this.failed) return;
        this.failed = true;
        this.error('translation_failed', `captions are not translated: ${err.message}`);
      })
      .finally(() => this.translating.delete(job));
    this.translating.add(job);
  }

  /** Waits for translations in flight (at most TRANSLATION_DRAIN_MS). */
  async drain(): Promise<void> {
    if (this.translating.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.translating), new Promise((r) => (timer = setTimeout(r, TRANSLATION_DRAIN_MS)))]);
    clearTimeout(timer);
  }
}
