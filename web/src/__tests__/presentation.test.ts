import { describe, expect, it } from "vitest";
import { HttpError } from "../api";
import { errorText, pieceNumberLabel, pieceTitleLabel, pillState, styleLabel } from "../presentation";
import { initialState } from "../store";

describe("studio headings", () => {
  it("numbers the piece once the server named it", () => {
    // Arrange
    const before = { pieceNumber: 0 };
    const after = { pieceNumber: 4 };
    // Act
    const labels = [pieceNumberLabel(before), pieceNumberLabel(after)];
    // Assert
    expect(labels).toEqual(["No. —", "No. 4"]);
  });

  it("titles an untitled piece by whether it is finished", () => {
    // Arrange
    const drafts = [
      { title: null, pieceCompleted: false },
      { title: null, pieceCompleted: true },
      { title: "Dunes", pieceCompleted: false },
    ];
    // Act
    const titles = drafts.map(pieceTitleLabel);
    // Assert
    expect(titles).toEqual(["Untitled (in progress)", "Untitled", "Dunes"]);
  });

  it("shows connecting before the first init, whatever the socket says", () => {
    // Arrange
    const state = { ...initialState(), connection: "open" as const };
    // Act
    const pill = pillState(state);
    // Assert
    expect(pill).toBe("connecting");
  });
});

describe("gallery labels", () => {
  it("names drawing styles", () => {
    // Arrange
    const styles = ["paint", "plotter"];
    // Act
    const labels = styles.map(styleLabel);
    // Assert
    expect(labels).toEqual(["Paint", "Plotter"]);
  });

  it("turns errors into one line", () => {
    // Arrange
    const errors = [new HttpError(404, "Not Found"), new HttpError(500, "boom"), new Error("offline"), "odd"];
    // Act
    const lines = errors.map(errorText);
    // Assert
    expect(lines).toEqual(["Not available on this server (404).", "boom", "offline", "odd"]);
  });
});
