/** Local S3 (restXml, path-style): buckets and objects, bytes on disk, written atomically. */
import type { ServiceImpl } from "../../service.js";
import { createBucket, deleteBucket, headBucket, listBuckets } from "./buckets.js";
import { listObjectsV2 } from "./list-objects.js";
import { deleteObject, deleteObjects, getObjectOp, headObject, putObject } from "./objects.js";

export { openObject, readObject, objectExists } from "./access.js";

export const s3: ServiceImpl = {
  model: "s3",
  operations: {
    CreateBucket: createBucket,
    HeadBucket: headBucket,
    DeleteBucket: deleteBucket,
    ListBuckets: listBuckets,
    PutObject: putObject,
    GetObject: getObjectOp,
    HeadObject: headObject,
    DeleteObject: deleteObject,
    DeleteObjects: deleteObjects,
    ListObjectsV2: listObjectsV2,
  },
};
