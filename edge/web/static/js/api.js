// The HTTP API: JSON requests with the session's CSRF token, errors as ApiError, uploads with progress.

let csrfToken = "";

/** An error answer of the API: its status, stable code and sentence for people. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Remember the session's CSRF token (from sign-in, claim or GET /api/v1/auth/session). */
export function setCsrf(token) {
  csrfToken = token || "";
}

/** Call the API; answers the parsed JSON body (null for 204) or throws ApiError. */
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, "network", `cannot reach the device (${err.message})`);
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const code = data?.error || "http_error";
    const message = data?.message || `${method} ${path} answered ${response.status}`;
    const error = new ApiError(response.status, code, message);
    if (response.status === 401) window.dispatchEvent(new CustomEvent("printedge:signed-out", { detail: error }));
    throw error;
  }
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body);
export const del = (path) => api("DELETE", path);

/** Fetch binary data (a mesh) as an ArrayBuffer, or throw ApiError. */
export async function getBuffer(path) {
  let response;
  try {
    response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/octet-stream, application/json" } });
  } catch (err) {
    throw new ApiError(0, "network", `cannot reach the device (${err.message})`);
  }
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    const error = new ApiError(response.status, data?.error || "http_error", data?.message || `GET ${path} answered ${response.status}`);
    if (response.status === 401) window.dispatchEvent(new CustomEvent("printedge:signed-out", { detail: error }));
    throw error;
  }
  return response.arrayBuffer();
}

/** Upload a file as multipart/form-data; onProgress(sentBytes, totalBytes). Answers the stored file. */
export function upload(file, onProgress) {
  const form = new FormData();
  form.append("file", file, file.name);
  return send("/api/v1/files", form, {}, onProgress);
}

/** Upload a file as the raw request body (application/octet-stream) to `path`; answers the created resource. */
export function uploadRaw(path, file, onProgress) {
  return send(path, file, { "Content-Type": "application/octet-stream" }, onProgress);
}

function send(path, body, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("Accept", "application/json");
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    if (csrfToken) xhr.setRequestHeader("X-CSRF-Token", csrfToken);
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener("load", () => {
      const data = xhr.response;
      if (xhr.status === 201) resolve(data);
      else reject(new ApiError(xhr.status, data?.error || "http_error", data?.message || `upload answered ${xhr.status}`));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "network", "the upload was cut off")));
    xhr.addEventListener("abort", () => reject(new ApiError(0, "aborted", "the upload was cancelled")));
    xhr.send(body);
  });
}
