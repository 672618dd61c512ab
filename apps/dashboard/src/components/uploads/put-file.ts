/** PUTs a file's raw bytes to a signed upload URL, reporting progress (XHR: fetch has no upload progress). */
export function putFile(url: string, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
        return;
      }
      let message = `The upload was refused (HTTP ${xhr.status}).`;
      try {
        const body = JSON.parse(xhr.responseText) as { message?: unknown; error?: { message?: unknown } };
        const text =
          typeof body.message === 'string' ? body.message : typeof body.error?.message === 'string' ? body.error.message : null;
        if (text) message = `${text} (HTTP ${xhr.status})`;
      } catch {
        // not JSON: keep the status line
      }
      reject(new Error(message));
    };
    xhr.onerror = () =>
      reject(new Error('The upload could not reach the gateway (network error, or the gateway does not allow this origin).'));
    xhr.onabort = () => reject(new Error('Upload cancelled.'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}
