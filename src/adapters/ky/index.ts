/** `breakerbox/ky`: being built (see issue 3). */
export {};
