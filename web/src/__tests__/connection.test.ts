import { describe, expect, it } from "vitest";
import { socketProtocols } from "../connection";

// Issue 15: the studio put its access token in the socket URL, which servers and proxies log.
describe("socketProtocols", () => {
  it("carries a JWT in the subprotocol header next to code-monet.v2", () => {
    // Arrange
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl-_x";
    // Act
    const auth = socketProtocols(jwt);
    // Assert
    expect(auth).toEqual({ protocols: ["code-monet.v2", `bearer.${jwt}`], authFrame: false });
  });

  it("falls back to a first auth frame for a token a header cannot carry", () => {
    // Arrange
    const odd = "token with spaces/and=signs";
    // Act
    const auth = socketProtocols(odd);
    // Assert
    expect(auth).toEqual({ protocols: ["code-monet.v2"], authFrame: true });
  });
});
