// Finds the <video> elements of a document or element, including those inside open shadow
// roots (web-component players), and the shadow roots themselves: media events do not cross
// a shadow boundary, so the tracker listens on each root too.

export interface FoundVideos {
  videos: HTMLVideoElement[];
  shadowRoots: ShadowRoot[];
}

/** Every video under `scope` (itself included), descending into open shadow roots. */
export function findVideos(scope: Document | Element): FoundVideos {
  const found: FoundVideos = { videos: [], shadowRoots: [] };
  const visit = (root: Document | Element | ShadowRoot) => {
    if (root instanceof HTMLVideoElement) found.videos.push(root);
    if (root instanceof Element && root.shadowRoot) {
      found.shadowRoots.push(root.shadowRoot);
      visit(root.shadowRoot);
    }
    for (const el of root.querySelectorAll('*')) {
      if (el instanceof HTMLVideoElement) found.videos.push(el);
      if (el.shadowRoot) {
        found.shadowRoots.push(el.shadowRoot);
        visit(el.shadowRoot);
      }
    }
  };
  visit(scope);
  return found;
}

/**
 * The element in fullscreen, looked up through open shadow roots: `document.fullscreenElement`
 * names only the shadow host when the player inside it went fullscreen.
 */
export function deepFullscreenElement(doc: Document): Element | null {
  let el = doc.fullscreenElement;
  while (el?.shadowRoot?.fullscreenElement) el = el.shadowRoot.fullscreenElement;
  return el;
}
