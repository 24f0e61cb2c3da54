// The one channel → mono rule of the product: average (not sum), so full-scale stereo stays at
// full scale without clipping. The capture worklet runs it per render quantum on planar channels;
// the server on its PCM16 frames once de-interleaved. Pure and allocation-free.

/**
 * Average `channels` sample-by-sample into `out` (first `length` samples, default the
 * first channel's length). With no channels (input disconnected) writes silence; with one
 * channel copies it. Returns `length`.
 */
export function downmixToMono(
  channels: ArrayLike<Float32Array>,
  out: Float32Array,
  length: number = channels.length > 0 ? channels[0].length : 0,
): number {
  if (out.length < length) throw new RangeError('output buffer too small');
  const n = channels.length;
  if (n === 0) {
    out.fill(0, 0, length);
    return length;
  }
  const first = channels[0];
  if (n === 1) {
    for (let i = 0; i < length; i++) out[i] = first[i];
    return length;
  }
  if (n === 2) {
    const second = channels[1];
    for (let i = 0; i < length; i++) out[i] = (first[i] + second[i]) * 0.5;
    return length;
  }
  const scale = 1 / n;
  for (let i = 0; i < length; i++) {
    let acc = 0;
    for (let c = 0; c < n; c++) acc += channels[c][i];
    out[i] = acc * scale;
  }
  return length;
}
