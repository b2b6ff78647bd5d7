/**
 * awsJson1.1 (ECR): `POST /` with `X-Amz-Target: <targetPrefix>.<Operation>` and a JSON body of
 * the input members; outputs as JSON (timestamps epoch seconds unless the model says otherwise);
 * errors as `{ "__type": <code>, "message": … }`.
 */
import { AwsError } from "../errors.js";
import type { Shape } from "../service.js";
import type { Protocol } from "./protocol.js";
import { fromJson, parseJsonBody, statusOf, structureToJson, writeJsonError } from "./restjson.js";

const contentTypeOf = (jsonVersion: string | undefined) => `application/x-amz-json-${jsonVersion ?? "1.1"}`;

const serializationError = (message: string) => new AwsError("SerializationException", message, 400);

export const awsJson: Protocol = {
  match(model, req) {
    if (req.method !== "POST") return undefined;
    const target = req.headers["x-amz-target"];
    if (typeof target !== "string") return undefined;
    const dot = target.lastIndexOf(".");
    if (dot < 0 || target.slice(0, dot) !== model.metadata.targetPrefix) return undefined;
    const op = target.slice(dot + 1);
    return Object.prototype.hasOwnProperty.call(model.operations, op) ? op : undefined;
  },

  parseInput(model, operation, req) {
    const op = model.operations[operation];
    if (!op?.input) return {};
    const json = parseJsonBody(req.body, serializationError);
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw serializationError("The request body must be a JSON object.");
    return (fromJson(model, op.input, json) ?? {}) as Shape;
  },

  writeOutput(model, operation, output, requestId, res) {
    const op = model.operations[operation]!;
    const shape = op.output ? model.shapes[op.output.shape] : undefined;
    const text = JSON.stringify(shape ? structureToJson(model, shape, output, "unixTimestamp", false) : {});
    res.writeHead(200, {
      "x-amzn-requestid": requestId,
      "content-type": contentTypeOf(model.metadata.jsonVersion),
      "content-length": String(Buffer.byteLength(text)),
    });
    res.end(text);
  },

  writeError(model, error, requestId, res) {
    writeJsonError(
      res,
      statusOf(model, error),
      requestId,
      error.code,
      { __type: error.code, message: error.message, ...(error.fields ?? {}) },
      contentTypeOf(model.metadata.jsonVersion),
    );
  },
};
