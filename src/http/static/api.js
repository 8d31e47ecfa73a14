// The panel's API from the page: the token (if the server wants one) rides in a header on every
// fetch, and in the URL only for the event stream (EventSource cannot set headers).
const token = new URLSearchParams(location.search).get('token') ?? undefined;

export function withToken(path) {
  if (!token) return path;
  const u = new URL(path, location.href);
  u.searchParams.set('token', token);
  return u.pathname + u.search;
}

export async function getJson(path) {
  const res = await fetch(path, { headers: token ? { 'x-panel-token': token } : {} });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

export async function postJson(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { 'x-panel-token': token } : {}) },
    body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error ?? `${res.status}`);
  return data;
}

/** Calls `onFrame` with every server-sent frame; reconnects by itself (EventSource does). */
export function subscribe(path, onFrame, onStatus) {
  const es = new EventSource(withToken(path));
  es.onmessage = (e) => onFrame(JSON.parse(e.data));
  es.onopen = () => onStatus?.(true);
  es.onerror = () => onStatus?.(false);
  return es;
}

export function linkTo(path) {
  return withToken(path);
}
