/** `breakerbox/msw`: being built (see issue 4). */
export {};
