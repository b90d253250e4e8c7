/**
 * The HTTP clients P4 and P5 measure, bare and through breakerbox. Each adapter plugs in
 * here; one whose subpath does not export its function yet is reported as skipped.
 */
import axios from 'axios';
import ky from 'ky';
import * as axiosAdapter from 'breakerbox/axios';
import { createFetch } from 'breakerbox/fetch';
import * as kyAdapter from 'breakerbox/ky';

/** Every client is `(url) => Promise<body>`: it sends a GET and reads the whole body. */
export const clients = {
  fetch: {
    built: true,
    bare: () => async (url) => (await fetch(url)).arrayBuffer(),
    guarded: (box) => {
      const guardedFetch = createFetch(box);
      return async (url) => (await guardedFetch(url)).arrayBuffer();
    },
  },
  axios: {
    built: typeof axiosAdapter.attachToAxios === 'function',
    bare: () => {
      const instance = axios.create({ responseType: 'arraybuffer' });
      return async (url) => (await instance.get(url)).data;
    },
    guarded: (box) => {
      const instance = axios.create({ responseType: 'arraybuffer' });
      axiosAdapter.attachToAxios(box, instance);
      return async (url) => (await instance.get(url)).data;
    },
  },
  ky: {
    built: typeof kyAdapter.kyOptions === 'function',
    bare: () => {
      const api = ky.create({ retry: 0 });
      return (url) => api.get(url).arrayBuffer();
    },
    guarded: (box) => {
      const api = ky.create({ ...kyAdapter.kyOptions(box), retry: 0 });
      return (url) => api.get(url).arrayBuffer();
    },
  },
};
