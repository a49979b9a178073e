// card-place.ts — where the block card goes: beside the pointer, on whichever
// side has room, and never over the block it describes.

import { intersects, type Box } from './labels';

/** Space between the card and the block or the pointer, in pixels. */
const GAP = 12;

function overlap(a: Box, b: Box): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return width > 0 && height > 0 ? width * height : 0;
}

/**
 * The card's top-left corner: right of the pointer and the block, else left of
 * them, else below or above; each kept inside the stage. Where no side has room
 * (a block larger than the stage) the place covering least of it.
 */
export function placeCard(
  card: { width: number; height: number },
  pointer: { x: number; y: number },
  block: Box,
  stage: { width: number; height: number },
): { x: number; y: number } {
  const clampX = (x: number) => Math.max(0, Math.min(x, stage.width - card.width));
  const clampY = (y: number) => Math.max(0, Math.min(y, stage.height - card.height));
  // the block as far as it is on screen, plus the pointer
  const avoid: Box = {
    x: Math.min(block.x, pointer.x) - GAP / 2,
    y: Math.min(block.y, pointer.y) - GAP / 2,
    width: Math.max(block.x + block.width, pointer.x) - Math.min(block.x, pointer.x) + GAP,
    height: Math.max(block.y + block.height, pointer.y) - Math.min(block.y, pointer.y) + GAP,
  };
  const right = avoid.x + avoid.width + GAP / 2,
    left = avoid.x - GAP / 2 - card.width;
  const below = avoid.y + avoid.height + GAP / 2,
    above = avoid.y - GAP / 2 - card.height;
  const besideY = clampY(pointer.y + GAP),
    besideX = clampX(pointer.x + GAP);
  const candidates = [
    { x: right, y: besideY },
    { x: left, y: besideY },
    { x: besideX, y: below },
    { x: besideX, y: above },
    { x: left, y: clampY(above) },
    { x: right, y: clampY(below) },
  ];
  const fits = (c: { x: number; y: number }) =>
    c.x >= 0 && c.y >= 0 && c.x + card.width <= stage.width && c.y + card.height <= stage.height;
  for (const candidate of candidates) {
    if (fits(candidate) && !intersects({ ...candidate, ...card }, avoid)) return candidate;
  }
  let best = { x: clampX(right), y: besideY },
    least = Infinity;
  for (const candidate of candidates) {
    const at = { x: clampX(candidate.x), y: clampY(candidate.y) };
    const covered = overlap({ ...at, ...card }, avoid);
    if (covered < least) {
      least = covered;
      best = at;
    }
  }
  return best;
}
