// fetch with the API's conventions: JSON in and out, errors in words from `error`.
export class ApiError extends Error {
  constructor(public status: number, message: string) { super(message); }
}

export interface RequestOptions { body?: unknown; raw?: string; contentType?: string; token?: string | null }

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (opts.raw !== undefined) {
    body = opts.raw;
    headers['Content-Type'] = opts.contentType ?? 'text/plain';
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] = 'application/json';
  }
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body });
  } catch {
    throw new ApiError(0, 'The server cannot be reached');
  }
  const type = res.headers.get('content-type') ?? '';
  const payload = type.startsWith('application/json') ? await res.json() : await res.text();
  if (!res.ok) {
    const message = typeof payload === 'object' && payload && 'error' in payload ? String(payload.error)
      : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message);
  }
  return payload as T;
}
