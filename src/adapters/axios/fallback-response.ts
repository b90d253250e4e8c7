import axios from 'axios';
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { FallbackResponse } from '../../core/types.js';

/** Which family of adapter the request would have gone through: it decides the shape of binary data. */
export type AdapterKind = 'http' | 'web';

const decoder = new TextDecoder();

/**
 * Answer a request with a fallback the way the inner adapter would have answered it:
 * `data` is raw (a string by default, so `transformResponse` parses JSON as for a live
 * response), and `validateStatus` is applied like axios' `settle()` does, so a fallback
 * whose status the caller refuses rejects with an `AxiosError` carrying the response.
 * @see https://github.com/axios/axios/blob/v1.x/lib/core/settle.js
 */
export async function fallbackResponse(fallback: FallbackResponse, config: InternalAxiosRequestConfig, kind: AdapterKind): Promise<AxiosResponse> {
  const headers = new axios.AxiosHeaders();
  for (const [name, value] of fallback.headers) {
    const previous = headers.get(name);
    headers.set(name, typeof previous === 'string' ? `${previous}, ${value}` : value);
  }
  const contentType = headers.get('content-type');
  const response: AxiosResponse = {
    data: await rawData(fallback.body, String(config.responseType ?? '').toLowerCase(), kind, typeof contentType === 'string' ? contentType : undefined),
    status: fallback.status,
    statusText: fallback.statusText,
    headers,
    config,
    request: null,
  };
  const validate = config.validateStatus;
  if (!response.status || typeof validate !== 'function' || validate(response.status)) return response;
  const code = response.status >= 400 && response.status < 500 ? axios.AxiosError.ERR_BAD_REQUEST : axios.AxiosError.ERR_BAD_RESPONSE;
  throw new axios.AxiosError(`Request failed with status code ${response.status}`, code, config, null, response);
}

/**
 * The body in the form the adapter gives for `responseType`. The fallback's bytes are
 * shared between replays, so binary forms get a copy the caller may change.
 */
async function rawData(body: Uint8Array | null, responseType: string, kind: AdapterKind, contentType: string | undefined): Promise<unknown> {
  const bytes = body ?? new Uint8Array(0);
  switch (responseType) {
    case 'arraybuffer':
      return kind === 'http' && typeof Buffer === 'function' ? Buffer.from(bytes) : bytes.slice().buffer;
    case 'blob':
      return new Blob([bytes.slice()], contentType === undefined ? {} : { type: contentType });
    case 'stream':
      return kind === 'http' ? nodeStream(bytes) : new Response(bytes.slice()).body;
    case 'formdata':
      return new Response(bytes.slice(), contentType === undefined ? {} : { headers: { 'content-type': contentType } }).formData();
    default:
      // 'json', 'text', 'document' and none: the adapters hand transformResponse a string.
      return decoder.decode(bytes);
  }
}

/** The http adapter streams as a Node `Readable`; reached without importing `node:stream`, so browsers bundle this file. */
function nodeStream(bytes: Uint8Array): unknown {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  const stream = getBuiltin?.('node:stream') as { Readable: { from(chunks: unknown[]): unknown } } | undefined;
  return stream === undefined ? new Response(bytes.slice()).body : stream.Readable.from([Buffer.from(bytes)]);
}
