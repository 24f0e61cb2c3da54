// Boxes measured in the page (getBoundingClientRect) and the one check the overlay tests make of
// them: the caption box lies inside the video's box.

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
}

/** `inner` lies within `outer`, allowing `slack` CSS pixels of rounding. */
export const inside = (inner: Box, outer: Box, slack = 0.5): boolean =>
  inner.left >= outer.left - slack && inner.right <= outer.right + slack && inner.top >= outer.top - slack && inner.bottom <= outer.bottom + slack;
