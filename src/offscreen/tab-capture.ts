// Turns a stream id from chrome.tabCapture.getMediaStreamId into a MediaStream of the tab's
// audio. Only audio: captions need nothing else, and video capture would cost CPU.

export async function getTabAudioStream(streamId: string): Promise<MediaStream> {
  // Chrome's legacy constraint syntax is the only way to name a tab capture source.
  const constraints = {
    audio: { mandatory: { chromeMediaSource: 'tab', chromeMediaSourceId: streamId } },
    video: false,
  } as unknown as MediaStreamConstraints;
  return navigator.mediaDevices.getUserMedia(constraints);
}

/** Why capture failed, in words a user understands. */
export function plainCaptureError(err: unknown): string {
  const name = err instanceof DOMException ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'NotAllowedError' || /permission/i.test(message)) {
    return 'Chrome did not allow capturing this tab\'s audio. Click the extension icon on the tab and press Start again.';
  }
  if (name === 'AbortError' || name === 'NotReadableError') {
    return 'The tab\'s audio could not be captured (is another extension capturing it?).';
  }
  return `Could not capture the tab's audio: ${message}`;
}
