using System;
using System.Text;
using System.Text.Json;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>
    /// A token the caller already holds (a pipeline's System.AccessToken, an az CLI token). Its claims are read without
    /// validation (the service validates it) and no profile call is made: pipeline tokens are refused by the profile
    /// endpoints. No MSAL.
    /// </summary>
    public static class SuppliedAccessToken
    {
        public static EntraToken Create(char[] token)
        {
            if (token is null)
            {
                throw new ArgumentNullException(nameof(token));
            }

            string text = new string(token).Trim();
            if (text.Length == 0)
            {
                throw new PfaException(ErrorIds.AccessTokenEmpty, PfaErrorKind.InvalidArgument, "The access token is empty. In Azure Pipelines pass $(System.AccessToken) (mapped into the step's environment), or a token from 'az account get-access-token --resource 499b84ac-1321-427f-aa17-267ca6975798'.", "AccessToken");
            }

            if (text.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                text = text.Substring(7).Trim();
            }

            JsonElement? claims = ReadClaims(text);
            DateTimeOffset? expires = null;
            if (claims is JsonElement c)
            {
                if (c.TryGetProperty("exp", out JsonElement exp) && exp.ValueKind == JsonValueKind.Number && exp.TryGetInt64(out long seconds))
                {
                    expires = DateTimeOffset.FromUnixTimeSeconds(seconds);
                }
            }

            if (expires.HasValue && expires.Value <= DateTimeOffset.UtcNow)
            {
                throw new PfaException(ErrorIds.AccessTokenExpired, PfaErrorKind.Authentication, $"The access token expired at {expires.Value:u}. Get a fresh one (a pipeline's System.AccessToken lasts for the job) and pass it again.", "AccessToken");
            }

            var result = new EntraToken(text, expires, EntraFlow.AccessToken);
            if (claims is JsonElement cl)
            {
                result.TenantId = Str(cl, "tid");
                result.ObjectId = Str(cl, "oid") ?? Str(cl, "nameid");
                result.Username = Str(cl, "upn") ?? Str(cl, "unique_name") ?? Str(cl, "preferred_username");
                result.ClientId = Str(cl, "appid") ?? Str(cl, "azp");
                string? scp = Str(cl, "scp");
                result.Scopes = scp is null ? Array.Empty<string>() : scp.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            }

            return result;
        }

        /// <summary>The payload of a JWT, unvalidated; null when the token is not a JWT.</summary>
        internal static JsonElement? ReadClaims(string token)
        {
            string[] parts = token.Split('.');
            if (parts.Length != 3)
            {
                return null;
            }

            try
            {
                string s = parts[1].Replace('-', '+').Replace('_', '/');
                s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
                using (JsonDocument doc = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(s))))
                {
                    return doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.Clone() : (JsonElement?)null;
                }
            }
            catch (Exception ex) when (ex is FormatException || ex is JsonException)
            {
                return null;
            }
        }

        private static string? Str(JsonElement e, string name) =>
            e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }
}
