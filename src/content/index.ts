// Content script (in every frame): shows the tab's captions over the page. It only renders what the
// background sends (state, captions, translations); it never talks to the server itself.
// Every frame watches its videos while the tab is captioned and reports them; the background
// picks the one frame that draws the overlay (the one holding the playing video).
// Style comes from chrome.storage.sync and the caption position per site (the site of this
// frame, as Chrome reports the sender) through the background (chrome.storage.local is closed to
// content scripts); both apply live.

import { loadStyle, watchStyle, type CaptionStyle } from '../shared/caption-style.ts';
import { t } from '../shared/i18n.ts';
import { isMessageFor, sendRuntime, type CaptionUpdate, type TranslationUpdate } from '../shared/messages.ts';
import { describePhase, describeTransport, isActive, type TabSessionState } from '../shared/tab-session-state.ts';
import { CaptionModel } from './caption-model.ts';
import { FrameReporter } from './frame-reporter.ts';
import { startMediaClock } from './media-clock.ts';
import { CaptionOverlay, type StatusTone } from './overlay.ts';
import { parsePlacement, type Placement } from './placement.ts';
import { VideoTracker } from './video-tracker.ts';

/** How long an error stays on screen after the session ended with it. */
const ERROR_VISIBLE_MS = 15_000;
/** Let the last finals be read before the overlay goes away after Stop. */
const AFTER_STOP_MS = 4_000;
/** The fade after the silence timeout (ms). */
const FADE_MS = 1_000;

class CaptionController {
  private readonly model = new CaptionModel();
  private overlay: CaptionOverlay | null = null;
  private tracker: VideoTracker | null = null;
  private style: CaptionStyle | null = null;
  private placement: Placement | null = null;
  private renderTimer: ReturnType<typeof setTimeout> | undefined;
  private teardownTimer: ReturnType<typeof setTimeout> | undefined;
  /** Re-draws the status each second while it counts down to a reconnect. */
  private countdown: ReturnType<typeof setInterval> | undefined;
  /** Whether the background picked this frame to show the tab's captions (the top frame until told). */
  private showsCaptions = window === window.top;
  private state: TabSessionState | null = null;
  private readonly reporter = new FrameReporter();

  constructor() {
    void loadStyle().then((s) => this.setStyle(s), () => {});
    watchStyle((s) => this.setStyle(s));
    void sendRuntime({ to: 'background', type: 'placement-get' }).then((got) => this.setPlacement(parsePlacement(got?.placement)), () => {});
  }

  /** Another tab of the same site moved its captions: follow, like a per-site preference should. */
  onPlacement(placement: unknown): void {
    this.setPlacement(parsePlacement(placement));
  }

  onState(state: TabSessionState | null): void {
    this.state = state;
    mediaClock.setActive(!!state && isActive(state));
    clearTimeout(this.teardownTimer);
    clearInterval(this.countdown);
    if (state && isActive(state)) this.track();
    else this.reporter.stop();
    if (!this.showsCaptions) {
      if (!(state && isActive(state))) this.untrack();
      return;
    }
    if (state && isActive(state)) {
      this.show();
      this.overlay!.setStatus(...statusFor(state));
      if (state.phase === 'reconnecting') this.countdown = setInterval(() => this.overlay?.setStatus(...statusFor(state)), 1000);
      return;
    }
    if (!this.overlay) {
      this.untrack();
      return;
    }
    if (state?.phase === 'error') {
      this.overlay.setStatus(describePhase(state), 'error');
      this.teardownTimer = setTimeout(() => this.hide(), ERROR_VISIBLE_MS);
    } else {
      this.overlay.setStatus(null);
      this.teardownTimer = setTimeout(() => this.hide(), AFTER_STOP_MS);
    }
  }

  /** The frame is going away (or into the back/forward cache): the background forgets its video. */
  onPageHide(): void {
    this.reporter.stop();
  }

  /** The background moved the tab's captions to this frame, or away from it. */
  onCaptionFrame(shows: boolean): void {
    if (shows === this.showsCaptions) return;
    this.showsCaptions = shows;
    if (!shows) {
      clearTimeout(this.teardownTimer);
      clearInterval(this.countdown);
      this.hide();
      if (!(this.state && isActive(this.state))) this.untrack();
    } else if (this.state) {
      this.onState(this.state);
    }
  }

  onCaption(caption: CaptionUpdate): void {
    if (!this.showsCaptions) return; // in flight while the captions moved to another frame
    // Reading mode: only finished sentences, never text that still changes.
    if (caption.kind === 'partial' && this.style?.readingMode) return;
    this.show();
    if (this.model.apply(caption, Date.now())) this.render();
  }

  onTranslation(translation: TranslationUpdate): void {
    if (this.model.setTranslation(translation, Date.now())) this.render();
  }

  private setStyle(style: CaptionStyle): void {
    this.style = style;
    // `lines` counts rendered rows, which the overlay clips (roll-up); keep enough entries to fill them.
    this.model.configure({ maxLines: style.lines + 2, lingerMs: style.hideAfterSeconds * 1000, fadeMs: FADE_MS });
    this.overlay?.setStyle(style);
    this.render();
  }

  private setPlacement(placement: Placement | null): void {
    this.placement = placement;
    this.overlay?.setPlacement(placement);
  }

  private savePlacement(placement: Placement | null): void {
    this.placement = placement;
    sendRuntime({ to: 'background', type: 'placement-set', placement }).catch((err: unknown) => console.warn('[captions] could not remember the position', err));
  }

  private show(): void {
    if (this.overlay) return;
    this.overlay = new CaptionOverlay(
      { region: t('overlayRegion'), move: t('overlayMove'), resize: t('overlayResize') },
      { onPlacement: (p) => this.savePlacement(p) },
    );
    if (this.style) this.overlay.setStyle(this.style);
    this.overlay.setPlacement(this.placement);
    this.track();
    this.overlay.place(this.tracker!.currentRect);
    this.overlay.mount();
  }

  private hide(): void {
    clearTimeout(this.renderTimer);
    this.overlay?.unmount();
    this.overlay = null;
    this.model.clear();
    if (!(this.state && isActive(this.state))) this.untrack();
  }

  /** Watches this frame's videos: places the overlay and tells the background about them. */
  private track(): void {
    if (this.tracker) return;
    this.tracker = new VideoTracker(
      (rect) => this.overlay?.place(rect),
      (video) => {
        if (this.state && isActive(this.state)) this.reporter.update(video);
      },
    );
    this.reporter.start();
    this.tracker.start();
  }

  private untrack(): void {
    this.reporter.stop();
    this.tracker?.stop();
    this.tracker = null;
  }

  /** Draws the model and wakes up again when the next line should fade or go. */
  private render(): void {
    if (!this.overlay) return;
    const now = Date.now();
    this.model.prune(now);
    this.overlay.render(this.model.snapshot(now));
    clearTimeout(this.renderTimer);
    const next = this.model.nextDeadline(now);
    if (next !== null) this.renderTimer = setTimeout(() => this.render(), Math.max(50, next - now));
  }
}

function statusFor(state: TabSessionState): [string | null, StatusTone] {
  switch (state.phase) {
    case 'live': {
      // Live and healthy: no status line. Lagging, dropping or on a fallback: say so.
      const transport = describeTransport(state);
      return [transport ? t('liveWithTransport', transport) : null, 'info'];
    }
    case 'reconnecting':
      return [describePhase(state), 'warn'];
    default:
      return [describePhase(state), 'info'];
  }
}

/** The playing media's clock for the transcript's media times, while captioned. */
const mediaClock = startMediaClock();
const controller = new CaptionController();
// A frame going away (navigation, iframe removed) stops reporting its video at once.
addEventListener('pagehide', () => controller.onPageHide());

chrome.runtime.onMessage.addListener((msg: unknown) => {
  if (!isMessageFor('content', msg)) return false;
  if (msg.type === 'state') controller.onState(msg.state);
  else if (msg.type === 'caption') controller.onCaption(msg.caption);
  else if (msg.type === 'translation') controller.onTranslation(msg.translation);
  else if (msg.type === 'placement') controller.onPlacement(msg.placement);
  else if (msg.type === 'caption-frame') controller.onCaptionFrame(msg.shows);
  return false; // nothing to answer
});

// A page loaded (or reloaded) while its tab is being captioned picks the session up again.
sendRuntime({ to: 'background', type: 'content-hello' })
  .then((res) => {
    if (res?.showsCaptions !== undefined) controller.onCaptionFrame(res.showsCaptions);
    controller.onState(res?.state ?? null);
  })
  .catch(() => {
    // The extension was reloaded or updated: this orphaned script has nothing to show.
  });
