/**
 * Collects one cell's outputs in nbformat shape, the way nbclient records kernel messages:
 * consecutive writes to the same stream merge into one `stream` output, display data becomes
 * `display_data`, and an update for a display id rewrites every output showing that id, in any cell.
 */
import type { DisplayDataOutput, JsonObject, MimeBundle, Output } from "./notebook-file.js";
import type { CellSink } from "./tslab-session.js";
import type { StreamName } from "./stdio-capture.js";

export class DisplayRegistry {
  private readonly byId = new Map<string, DisplayDataOutput[]>();

  track(id: string | undefined, output: DisplayDataOutput): void {
    if (!id) return;
    const list = this.byId.get(id) ?? [];
    list.push(output);
    this.byId.set(id, list);
  }

  /** Returns false when nothing showed that id yet (then the update is shown as new output). */
  update(id: string | undefined, data: MimeBundle, metadata: JsonObject): boolean {
    const shown = id ? this.byId.get(id) : undefined;
    if (!shown) return false;
    for (const output of shown) {
      output.data = data;
      output.metadata = metadata;
    }
    return true;
  }
}

export class CellOutputs implements CellSink {
  readonly outputs: Output[] = [];

  constructor(
    private readonly registry: DisplayRegistry,
    private readonly onDisplay: (data: MimeBundle) => void = () => {},
  ) {}

  stream(name: StreamName, text: string): void {
    if (text === "") return;
    const last = this.outputs.at(-1);
    if (last?.output_type === "stream" && last.name === name) {
      last.text = (typeof last.text === "string" ? last.text : last.text.join("")) + text;
    } else {
      this.outputs.push({ output_type: "stream", name, text });
    }
  }

  display(message: { data: MimeBundle; metadata?: JsonObject; transient?: { display_id?: string } }, update: boolean): void {
    const id = message.transient?.display_id;
    const metadata = message.metadata ?? {};
    this.onDisplay(message.data);
    if (update && this.registry.update(id, message.data, metadata)) return;
    const output: DisplayDataOutput = { output_type: "display_data", data: message.data, metadata };
    this.registry.track(id, output);
    this.outputs.push(output);
  }
}
