/** IAM's own error codes and messages, worded as IAM words them. */
import { AwsError } from "../../errors.js";

export const noSuchRole = (roleName: string): AwsError =>
  new AwsError("NoSuchEntity", `The role with name ${roleName} cannot be found.`, 404);

export const noSuchRolePolicy = (policyName: string): AwsError =>
  new AwsError("NoSuchEntity", `The role policy with name ${policyName} cannot be found.`, 404);

export const noSuchPolicy = (arn: string): AwsError =>
  new AwsError("NoSuchEntity", `Policy ${arn} was not found.`, 404);

export const notAttachable = (arn: string): AwsError =>
  new AwsError("NoSuchEntity", `Policy ${arn} does not exist or is not attachable.`, 404);

export const entityAlreadyExists = (message: string): AwsError => new AwsError("EntityAlreadyExists", message, 409);

export const deleteConflict = (message: string): AwsError => new AwsError("DeleteConflict", message, 409);

export const limitExceeded = (message: string): AwsError => new AwsError("LimitExceeded", message, 409);

export const invalidInput = (message: string): AwsError => new AwsError("InvalidInput", message, 400);

export const invalidMarker = (): AwsError => invalidInput("Invalid Marker.");
