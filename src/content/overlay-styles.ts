// Styles of the caption overlay. They live inside its shadow root, so page CSS cannot reach
// them and they cannot leak into the page.

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
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif;
  font-size: var(--caption-size, 22px);
  line-height: 1.35;
}
.captions {
  position: absolute;
  left: 50%;
  bottom: var(--caption-bottom, 6%);
  transform: translateX(-50%);
  width: max-content;
  max-width: 88%;
  /* About three readable lines; older wrapped text scrolls off the top and fades. */
  max-height: calc(1.35em * 4.3);
  overflow: hidden;
  display: flex;
  flex-direction: column;
  justify-content: flex-end;
  align-items: center;
  gap: 0.12em;
}
/* Translations double the text: allow more height so a line and its translation both fit. */
.captions:has(.translation) { max-height: calc(1.35em * 6.6); }
/* Only when older text is cut off at the top: fade it instead of a hard edge. */
.captions[data-overflow="true"] { mask-image: linear-gradient(to bottom, transparent 0, #000 1.2em); }
.line {
  display: block;
  max-width: 100%;
  box-sizing: border-box;
  padding: 0.06em 0.45em;
  border-radius: 0.22em;
  background: rgba(8, 8, 8, 0.86);
  color: #fff;
  text-align: center;
  white-space: pre-wrap;
  overflow-wrap: anywhere;
  text-shadow: 0 1px 2px rgba(0, 0, 0, 0.6);
  transition: opacity 0.9s ease, color 0.2s ease;
}
/* Partial text is still changing: dimmer and italic, so it reads as provisional. */
.line[data-kind="partial"] { color: #cfd3d8; font-style: italic; }
.line[data-age="1"] { opacity: 0.82; }
.line[data-age="2"] { opacity: 0.6; }
.line[data-age="3"], .line[data-age="4"] { opacity: 0.4; }
.line[data-fading="true"] { opacity: 0; }
/* A translation sits under the original lines it covers: same box, smaller, tinted. */
.translation {
  display: block;
  width: fit-content;
  max-width: 100%;
  box-sizing: border-box;
  padding: 0.05em 0.45em;
  text-align: center;
  white-space: pre-wrap;
  overflow-wrap: anywhere;
  background: rgba(8, 8, 8, 0.78);
  color: #ffe08a;
  font-size: 0.86em;
  border-radius: 4px;
  transition: opacity 0.4s ease;
}
.translation[data-age="2"], .translation[data-age="3"] { opacity: 0.6; }
.translation[data-fading="true"] { opacity: 0; }
.status {
  position: absolute;
  top: 10px;
  left: 10px;
  max-width: calc(100% - 20px);
  box-sizing: border-box;
  padding: 4px 10px;
  border-radius: 999px;
  font-size: 13px;
  line-height: 1.4;
  color: #fff;
  background: rgba(60, 60, 60, 0.88);
}
.status[hidden] { display: none; }
.status[data-tone="error"] { background: rgba(176, 0, 32, 0.92); }
.status[data-tone="warn"] { background: rgba(154, 103, 0, 0.92); }
@media (prefers-reduced-motion: reduce) {
  .line { transition: none; }
}
`;
