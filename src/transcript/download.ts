// Saves text as a file through chrome.downloads (no page, no server involved).

/** Starts the download and resolves with the download id once Chrome accepted it. */
export async function downloadText(text: string, filename: string, mime: string): Promise<number> {
  // A BOM lets Windows editors open UTF-8 Arabic text correctly; subtitle players ignore it.
  const blob = new Blob(['\uFEFF', text], { type: `${mime};charset=utf-8` });
  const url = URL.createObjectURL(blob);
  try {
    return await chrome.downloads.download({ url, filename, saveAs: false, conflictAction: 'uniquify' });
  } finally {
    // Chrome has read the blob once the download started; keep it a moment for slow disks.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}
