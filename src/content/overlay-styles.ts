// Styles of the caption overlay. They live inside its shadow root, so page CSS cannot reach
// them and they cannot leak into the page. User settings arrive as CSS variables.

/** Inline on the host element: `!important` beats any page rule aimed at it. */
export const HOST_STYLE = [
  'all: initial !important',
  'position: fixed !important',
  'display: block !important',
  'z-index: 2147483647 !important',
  'pointer-events: none !important',
  'margin: 0 !important',
  'padding: 0 !important',
  'border: 0 !important',
  'background: transparent !important',
  'overflow: visible !important',
  'contain: layout style !important',
].join(';');

export const OVERLAY_CSS = `
:host { all: initial; }
.frame {
  position: absolute;
  inset: 0;
  pointer-events: none;
  font-family: var(--caption-font, system-ui, sans-serif);
  font-size: calc(var(--caption-auto-size, 22px) * var(--caption-scale, 1));
  line-height: 1.35;
}
/* One steady panel, like TV captions: text starts at the same edge, so committed words never
   move sideways while the tail of a sentence is still being recognized. */
.panel {
  position: absolute;
  box-sizing: border-box;
  padding: 0.25em 0.6em;
  border-radius: 0.3em;
  background: var(--caption-bg, rgba(8, 8, 8, 0.8));
  color: var(--caption-color, #fff);
  pointer-events: auto;
  cursor: move;
  touch-action: none;
  user-select: none;
  transition: opacity 0.4s ease;
}
.panel[data-empty="true"] { opacity: 0; pointer-events: none; }
.panel:focus-visible { outline: 3px solid #4c9ffe; outline-offset: 2px; }
.panel[data-dragging="true"] { outline: 2px dashed rgba(255, 255, 255, 0.7); outline-offset: 2px; }
/* Roll-up, like broadcast captions: the chosen number of rendered rows (plus as many for a
   shown translation); the newest row sits at the bottom and older rows scroll up and out. */
.lines {
  max-height: calc(1.35em * var(--caption-rows, 2) + 1.242em * var(--caption-translation-rows, 0) + 0.1em);
  overflow: hidden;
  display: flex;
  flex-direction: column;
  justify-content: flex-end;
}
.lines[data-overflow="true"] { mask-image: linear-gradient(to bottom, rgba(0, 0, 0, 0.55) 0, #000 0.6em); }
.cue { transition: opacity 0.9s ease; }
.line, .translation {
  display: block;
  text-align: start;
  white-space: pre-wrap;
  overflow-wrap: anywhere;
  text-shadow: 0 1px 2px rgba(0, 0, 0, 0.6);
}
/* The tail is provisional: a little dimmer, so it reads as "still being heard". */
.tail { opacity: 0.72; }
.translation { font-size: 0.92em; color: var(--caption-translation-color, #ffe08a); }
.frame[data-display="original"] .translation { display: none; }
.frame[data-display="translation"] .cue[data-translated="true"] .line { display: none; }
.frame[data-display="translation"] .translation { font-size: 1em; }
.cue[data-age="1"] { opacity: 0.88; }
.cue[data-age="2"] { opacity: 0.72; }
.cue[data-age="3"], .cue[data-age="4"], .cue[data-age="5"] { opacity: 0.6; }
.cue[data-fading="true"] { opacity: 0; }
.resize {
  position: absolute;
  top: 0;
  bottom: 0;
  inset-inline-end: -6px;
  width: 12px;
  cursor: ew-resize;
  pointer-events: auto;
}
.resize::after {
  content: "";
  position: absolute;
  top: 50%;
  left: 4px;
  width: 4px;
  height: 24px;
  margin-top: -12px;
  border-radius: 2px;
  background: rgba(255, 255, 255, 0.55);
  opacity: 0;
  transition: opacity 0.2s ease;
}
.panel:hover .resize::after, .panel:focus-within .resize::after { opacity: 1; }
.sr-only {
  position: absolute;
  width: 1px;
  height: 1px;
  overflow: hidden;
  clip-path: inset(50%);
  white-space: nowrap;
}
.status {
  position: absolute;
  top: 10px;
  inset-inline-start: 10px;
  max-width: calc(100% - 20px);
  box-sizing: border-box;
  padding: 4px 10px;
  border-radius: 999px;
  font-family: system-ui, sans-serif;
  font-size: 13px;
  line-height: 1.4;
  color: #fff;
  background: rgba(60, 60, 60, 0.88);
}
.status[hidden] { display: none; }
.status[data-tone="error"] { background: rgba(176, 0, 32, 0.92); }
.status[data-tone="warn"] { background: rgba(122, 82, 0, 0.94); }
@media (prefers-reduced-motion: reduce) {
  .cue, .panel, .resize::after { transition: none; }
}
`;
