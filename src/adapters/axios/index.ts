/** `breakerbox/axios`: being built (see issue 3). */
export {};
