using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.SignIn.AzureDevOpsOAuth
{
    /// <summary>
    /// One Azure DevOps OAuth authorization: the authorize URL with a fresh, unguessable state, and the checks
    /// on the address the browser came back to.
    /// </summary>
    public sealed class AuthorizationRequest
    {
        public AuthorizationRequest(Uri authorizationServer, Guid clientId, Uri callbackUrl, IEnumerable<string> scopes, string? state = null)
        {
            AuthorizationServer = authorizationServer;
            ClientId = clientId;
            CallbackUrl = callbackUrl;
            Scopes = new List<string>(scopes);
            State = state ?? NewState();
        }

        public Uri AuthorizationServer { get; }

        public Guid ClientId { get; }

        public Uri CallbackUrl { get; }

        public IReadOnlyList<string> Scopes { get; }

        /// <summary>256 random bits, base64url: the value the callback must carry back.</summary>
        public string State { get; }

        public Uri AuthorizeUrl
        {
            get
            {
                var query = new StringBuilder();
                query.Append("client_id=").Append(ClientId.ToString("D"));
                query.Append("&response_type=Assertion");
                query.Append("&state=").Append(Uri.EscapeDataString(State));
                query.Append("&scope=").Append(Uri.EscapeDataString(string.Join(" ", Scopes)));
                query.Append("&redirect_uri=").Append(Uri.EscapeDataString(CallbackUrl.AbsoluteUri));
                return new Uri(AuthorizationServer.AbsoluteUri.TrimEnd('/') + "/oauth2/authorize?" + query);
            }
        }

        /// <summary>Whether the callback is an http address on this machine, where the module can listen itself.</summary>
        public bool CanListenOnLoopback => CallbackUrl.Scheme == Uri.UriSchemeHttp && Registration.RegistrationRules.IsLoopback(CallbackUrl) && !CallbackUrl.IsDefaultPort;

        public static string NewState()
        {
            byte[] bytes = new byte[32];
            using (var random = RandomNumberGenerator.Create())
            {
                random.GetBytes(bytes);
            }

            return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }

        /// <summary>
        /// Checks the address the browser ended on (path, state, error) and returns the authorization code.
        /// The code is never put into an exception's text.
        /// </summary>
        public string ReadCode(Uri returned)
        {
            if (returned is null || !returned.IsAbsoluteUri)
            {
                throw new PfaException(ErrorIds.CallbackUriInvalid, PfaErrorKind.InvalidArgument, "The callback address must be the full address the browser ended on, starting with " + CallbackUrl.GetLeftPart(UriPartial.Path) + ".", CallbackUrl.AbsoluteUri);
            }

            if (!string.Equals(returned.GetLeftPart(UriPartial.Path), CallbackUrl.GetLeftPart(UriPartial.Path), StringComparison.OrdinalIgnoreCase))
            {
                throw new PfaException(ErrorIds.CallbackUriMismatch, PfaErrorKind.InvalidArgument, $"The address '{returned.GetLeftPart(UriPartial.Path)}' is not the application's callback URL '{CallbackUrl.GetLeftPart(UriPartial.Path)}'. Copy the whole address from the browser's address bar after clicking Accept.", returned.GetLeftPart(UriPartial.Path));
            }

            Dictionary<string, string> query = ParseQuery(returned.Query);
            query.TryGetValue("state", out string? state);
            query.TryGetValue("error", out string? error);
            if (!FixedTimeEquals(state, State))
            {
                throw new PfaException(
                    ErrorIds.OAuthStateMismatch,
                    PfaErrorKind.SecurityError,
                    "The answer to the sign-in did not carry the state this connection attempt sent, so it was refused: it may come from an older attempt, another session, or a forged link. Run Connect-PfaAzureDevOps again and use the new link.",
                    CallbackUrl.GetLeftPart(UriPartial.Path));
            }

            if (error != null)
            {
                query.TryGetValue("error_description", out string? description);
                if (string.Equals(error, "access_denied", StringComparison.Ordinal))
                {
                    throw new PfaException(ErrorIds.OAuthAccessDenied, PfaErrorKind.PermissionDenied, "Access was denied on the Azure DevOps consent page, so Pipelines for Applications was not connected. Run Connect-PfaAzureDevOps again and click Accept to grant it access to your code.", CallbackUrl.GetLeftPart(UriPartial.Path));
                }

                throw new PfaException(ErrorIds.OAuthAuthorizationFailed, PfaErrorKind.Authentication, $"Azure DevOps refused the authorization: {Sanitize(error)}{(description != null ? " (" + Sanitize(description) + ")" : string.Empty)}. Run Connect-PfaAzureDevOps again; if it persists, ask the administrator to check the application registration.", CallbackUrl.GetLeftPart(UriPartial.Path));
            }

            if (!query.TryGetValue("code", out string? code) || string.IsNullOrEmpty(code))
            {
                throw new PfaException(ErrorIds.OAuthCodeMissing, PfaErrorKind.InvalidData, "The callback address carries no authorization code. Copy the whole address from the browser's address bar after clicking Accept, or run Connect-PfaAzureDevOps again.", CallbackUrl.GetLeftPart(UriPartial.Path));
            }

            return code!;
        }

        internal static Dictionary<string, string> ParseQuery(string query)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (string.IsNullOrEmpty(query))
            {
                return result;
            }

            foreach (string pair in query.TrimStart('?').Split('&'))
            {
                if (pair.Length == 0)
                {
                    continue;
                }

                int equals = pair.IndexOf('=');
                string name = Decode(equals < 0 ? pair : pair.Substring(0, equals));
                string value = equals < 0 ? string.Empty : Decode(pair.Substring(equals + 1));
                if (!result.ContainsKey(name))
                {
                    result[name] = value;
                }
            }

            return result;
        }

        private static string Decode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

        private static string Sanitize(string value)
        {
            var builder = new StringBuilder();
            foreach (char c in value)
            {
                if (builder.Length >= 200)
                {
                    break;
                }

                builder.Append(char.IsControl(c) ? ' ' : c);
            }

            return builder.ToString();
        }

        private static bool FixedTimeEquals(string? a, string b)
        {
            if (a is null || a.Length != b.Length)
            {
                return false;
            }

            int difference = 0;
            for (int i = 0; i < a.Length; i++)
            {
                difference |= a[i] ^ b[i];
            }

            return difference == 0;
        }
    }
}
