/** ECR's modeled errors with the messages the real service sends. */
import { AwsError } from "../../errors.js";

export const repositoryNotFound = (name: string, registryId: string): AwsError =>
  new AwsError(
    "RepositoryNotFoundException",
    `The repository with name '${name}' does not exist in the registry with id '${registryId}'`,
  );

export const repositoryAlreadyExists = (name: string, registryId: string): AwsError =>
  new AwsError(
    "RepositoryAlreadyExistsException",
    `The repository with name '${name}' already exists in the registry with id '${registryId}'`,
  );

export const repositoryNotEmpty = (name: string, registryId: string): AwsError =>
  new AwsError(
    "RepositoryNotEmptyException",
    `The repository with name '${name}' in registry with id '${registryId}' cannot be deleted because it still contains images`,
  );

export const invalidParameter = (message: string): AwsError => new AwsError("InvalidParameterException", message);

export const invalidNextToken = (): AwsError => invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken'");
