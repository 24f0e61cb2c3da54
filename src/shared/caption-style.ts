// How captions look: font, size, colours, lines, what to show. Stored in chrome.storage.sync
// apart from the connection settings, so the overlay can apply changes live without touching
// a running session.

export type CaptionDisplay = 'original' | 'translation' | 'both';
export type FontChoice = 'system' | 'sans' | 'serif' | 'mono' | 'casual';

export interface CaptionStyle {
  /** Percent of the automatic size (which follows the video's height). */
  fontScale: number;
  font: FontChoice;
  /** `#rrggbb`. */
  textColor: string;
  backgroundColor: string;
  /** 0 (transparent) … 1 (opaque). */
  backgroundOpacity: number;
  /**
   * Rendered rows of the original on screen (roll-up: the newest row at the bottom, older
   * text scrolls up and out); a shown translation gets as many rows again under it.
   */
  lines: number;
  display: CaptionDisplay;
  /** Captions hide after this many seconds without speech. */
  hideAfterSeconds: number;
  /** Reading mode: only finished sentences, no changing partial text. */
  readingMode: boolean;
}

export const DEFAULT_STYLE: CaptionStyle = {
  fontScale: 100,
  font: 'system',
  textColor: '#ffffff',
  backgroundColor: '#080808',
  backgroundOpacity: 0.8,
  lines: 2,
  display: 'both',
  hideAfterSeconds: 6,
  readingMode: false,
};

export const LIMITS = {
  fontScale: { min: 50, max: 250, step: 10 },
  backgroundOpacity: { min: 0, max: 1, step: 0.05 },
  lines: { min: 1, max: 6, step: 1 },
  hideAfterSeconds: { min: 2, max: 60, step: 1 },
} as const;

export const FONT_STACKS: Record<FontChoice, string> = {
  system: 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Arabic", Arial, sans-serif',
  sans: '"Helvetica Neue", Arial, "Noto Sans", "Noto Sans Arabic", sans-serif',
  serif: 'Georgia, "Times New Roman", "Noto Serif", "Noto Naskh Arabic", serif',
  mono: '"DejaVu Sans Mono", Menlo, Consolas, "Noto Sans Mono", monospace',
  casual: '"Comic Neue", "Comic Sans MS", "Noto Sans", cursive, sans-serif',
};

export const FONTS = Object.keys(FONT_STACKS) as FontChoice[];
export const DISPLAYS: readonly CaptionDisplay[] = ['original', 'translation', 'both'];

export const STYLE_KEY = 'captionStyle';

const HEX = /^#[0-9a-f]{6}$/i;

function num(v: unknown, lim: { min: number; max: number }, fallback: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? Math.min(lim.max, Math.max(lim.min, n)) : fallback;
}

/** Fills gaps and clamps junk, so hand-edited or older storage never breaks the overlay. */
export function normalizeStyle(raw: unknown): CaptionStyle {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<Record<keyof CaptionStyle, unknown>>;
  const color = (v: unknown, fallback: string) => (typeof v === 'string' && HEX.test(v) ? v.toLowerCase() : fallback);
  return {
    fontScale: Math.round(num(r.fontScale, LIMITS.fontScale, DEFAULT_STYLE.fontScale)),
    font: FONTS.includes(r.font as FontChoice) ? (r.font as FontChoice) : DEFAULT_STYLE.font,
    textColor: color(r.textColor, DEFAULT_STYLE.textColor),
    backgroundColor: color(r.backgroundColor, DEFAULT_STYLE.backgroundColor),
    backgroundOpacity: num(r.backgroundOpacity, LIMITS.backgroundOpacity, DEFAULT_STYLE.backgroundOpacity),
    lines: Math.round(num(r.lines, LIMITS.lines, DEFAULT_STYLE.lines)),
    display: DISPLAYS.includes(r.display as CaptionDisplay) ? (r.display as CaptionDisplay) : DEFAULT_STYLE.display,
    hideAfterSeconds: Math.round(num(r.hideAfterSeconds, LIMITS.hideAfterSeconds, DEFAULT_STYLE.hideAfterSeconds)),
    readingMode: r.readingMode === true,
  };
}

function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** `rgba()` of a `#rrggbb` colour with an opacity. */
export function rgba(hex: string, alpha: number): string {
  const [r, g, b] = rgb(hex);
  return `rgba(${r}, ${g}, ${b}, ${Math.round(alpha * 100) / 100})`;
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours (1 … 21). */
export function contrastRatio(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = rgb(hex).map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * Contrast of the text against what is really behind it: the caption background blended over
 * the darkest or brightest video frame, whichever is worse. Below 4.5 is hard to read.
 */
export function worstCaseContrast(style: Pick<CaptionStyle, 'textColor' | 'backgroundColor' | 'backgroundOpacity'>): number {
  const [r, g, b] = rgb(style.backgroundColor);
  const blend = (under: number) => {
    const a = style.backgroundOpacity;
    const mix = (c: number) => Math.round(c * a + under * (1 - a));
    return `#${[mix(r), mix(g), mix(b)].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
  };
  return Math.min(contrastRatio(style.textColor, blend(0)), contrastRatio(style.textColor, blend(255)));
}

/**
 * Rendered rows the caption box holds: `lines` rows of text, plus as many again for the
 * translation when one is shown under the original ("2 + 2"). Without a translation on
 * screen the box never keeps room for one.
 */
export function captionRows(style: Pick<CaptionStyle, 'lines' | 'display'>, translating: boolean): { text: number; translation: number } {
  return { text: style.lines, translation: translating && style.display === 'both' ? style.lines : 0 };
}

/** CSS custom properties the overlay reads (`translating`: a translation is on screen). */
export function styleVariables(style: CaptionStyle, translating = false): Record<string, string> {
  const rows = captionRows(style, translating);
  return {
    '--caption-font': FONT_STACKS[style.font],
    '--caption-scale': String(style.fontScale / 100),
    '--caption-color': style.textColor,
    '--caption-bg': rgba(style.backgroundColor, style.backgroundOpacity),
    '--caption-rows': String(rows.text),
    '--caption-translation-rows': String(rows.translation),
  };
}

export async function loadStyle(): Promise<CaptionStyle> {
  const got = await chrome.storage.sync.get(STYLE_KEY);
  return normalizeStyle(got[STYLE_KEY]);
}

export async function saveStyle(style: CaptionStyle): Promise<void> {
  await chrome.storage.sync.set({ [STYLE_KEY]: normalizeStyle(style) });
}

/** Calls `onChange` whenever the style changes anywhere (options page, popup, another device). */
export function watchStyle(onChange: (style: CaptionStyle) => void): () => void {
  const listener = (changes: Record<string, chrome.storage.StorageChange>, area: string) => {
    if (area === 'sync' && STYLE_KEY in changes) onChange(normalizeStyle(changes[STYLE_KEY].newValue));
  };
  chrome.storage.onChanged.addListener(listener);
  return () => chrome.storage.onChanged.removeListener(listener);
}
