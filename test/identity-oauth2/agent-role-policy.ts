/**
 * The inline policy a deployed agent's execution role needs for `withAccessToken`, M2M and
 * USER_FEDERATION alike: the OAuth2 token from the vault, and the provider's client secret.
 */
export const WITH_ACCESS_TOKEN_POLICY = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Action: ["bedrock-agentcore:GetResourceOauth2Token"], Resource: "*" },
    { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: "arn:aws:secretsmanager:*:*:secret:bedrock-agentcore*" },
  ],
};
