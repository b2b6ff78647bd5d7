/** Local ECR (awsJson1.1): repositories, image records and registry logins. */
import type { ServiceImpl } from "../../service.js";
import { getAuthorizationToken } from "./authorization-token.js";
import { batchDeleteImage, batchGetImage, describeImages, listImages, putImage } from "./images.js";
import {
  createRepository,
  deleteRepository,
  describeRepositories,
  listTagsForResource,
  tagResource,
  untagResource,
} from "./repositories.js";

export { recordLocalImage, type LocalImage } from "./local-images.js";
export { isValidRegistryPassword } from "./authorization-token.js";

export const ecr: ServiceImpl = {
  model: "ecr",
  operations: {
    CreateRepository: createRepository,
    DescribeRepositories: describeRepositories,
    DeleteRepository: deleteRepository,
    GetAuthorizationToken: getAuthorizationToken,
    PutImage: putImage,
    ListImages: listImages,
    DescribeImages: describeImages,
    BatchGetImage: batchGetImage,
    BatchDeleteImage: batchDeleteImage,
    ListTagsForResource: listTagsForResource,
    TagResource: tagResource,
    UntagResource: untagResource,
  },
};
