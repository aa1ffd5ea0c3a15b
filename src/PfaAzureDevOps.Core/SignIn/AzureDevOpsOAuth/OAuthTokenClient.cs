using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Rest;

namespace PfaAzureDevOps.Core.SignIn.AzureDevOpsOAuth
{
    /// <summary>What the token endpoint returned. Holds secrets: callers clear nothing here, but never print it.</summary>
    public sealed class TokenResponse
    {
        public TokenResponse(string accessToken, string refreshToken, DateTimeOffset expiresOn, string? scope, string? tokenType)
        {
            AccessToken = accessToken;
            RefreshToken = refreshToken;
            ExpiresOn = expiresOn;
            Scope = scope;
            TokenType = tokenType;
        }

        public string AccessToken { get; }

        public string RefreshToken { get; }

        public DateTimeOffset ExpiresOn { get; }

        public string? Scope { get; }

        public string? TokenType { get; }

        public override string ToString() => $"token (expires {ExpiresOn:u})";
    }

    /// <summary>Which grant a token call made; it decides the advice in error messages.</summary>
    public enum TokenGrant
    {
        AuthorizationCode,
        RefreshToken,
    }

    /// <summary>
    /// The Azure DevOps OAuth token endpoint: the jwt-bearer form for code redemption and refresh, a string
    /// <c>expires_in</c>, PascalCase and snake_case error bodies, each error mapped to a stable id and advice.
    /// </summary>
    public sealed class OAuthTokenClient
    {
        public const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
        public const string CodeGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
        public const string RefreshGrant = "refresh_token";

        /// <summary>The longest token accepted (Azure DevOps' are about 1-3 KB).</summary>
        public const int MaxTokenLength = Connection.ConnectionStore.MaxTokenLength;

        /// <summary>The longest lifetime accepted for an access token: one year.</summary>
        public const double MaxExpiresInSeconds = 366 * 24 * 3600;

        private readonly HttpMessageInvoker? _invoker;

        public OAuthTokenClient(HttpMessageInvoker? invoker = null, HttpCallOptions? options = null)
        {
            _invoker = invoker;
            Options = options ?? new HttpCallOptions { AttemptTimeout = TimeSpan.FromSeconds(30) };
        }

        public HttpCallOptions Options { get; }

        public Task<TokenResponse> RedeemCodeAsync(Uri authorizationServer, char[] clientSecret, string code, Uri callbackUrl, CancellationToken cancellationToken) =>
            RequestAsync(authorizationServer, clientSecret, CodeGrant, code, callbackUrl, TokenGrant.AuthorizationCode, cancellationToken);

        public Task<TokenResponse> RefreshAsync(Uri authorizationServer, char[] clientSecret, string refreshToken, Uri callbackUrl, CancellationToken cancellationToken) =>
            RequestAsync(authorizationServer, clientSecret, RefreshGrant, refreshToken, callbackUrl, TokenGrant.RefreshToken, cancellationToken);

        public static Uri TokenEndpoint(Uri authorizationServer) => new Uri(authorizationServer.AbsoluteUri.TrimEnd('/') + "/oauth2/token");

        private async Task<TokenResponse> RequestAsync(Uri server, char[] clientSecret, string grantType, string assertion, Uri callbackUrl, TokenGrant grant, CancellationToken cancellationToken)
        {
            Uri endpoint = TokenEndpoint(server);
            string what = "The Azure DevOps authorization server (" + endpoint.GetLeftPart(UriPartial.Authority) + ")";
            using (HttpResponseMessage response = await AzureDevOpsHttp.SendAsync(
                _invoker ?? AzureDevOpsHttp.Client,
                () =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
                    {
                        Content = new FormBody(clientSecret, grantType, assertion, callbackUrl.AbsoluteUri),
                    };
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                    return request;
                },
                idempotent: false,
                Options,
                what,
                cancellationToken).ConfigureAwait(false))
            {
                byte[] body = response.Content is null ? Array.Empty<byte>() : await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                int status = (int)response.StatusCode;
                if (status == 200)
                {
                    return Parse(body, endpoint, DateTimeOffset.UtcNow);
                }

                throw MapError(status, body, grant, endpoint, response);
            }
        }

        internal static TokenResponse Parse(byte[] body, Uri endpoint, DateTimeOffset now)
        {
            try
            {
                using (JsonDocument json = JsonDocument.Parse(body))
                {
                    JsonElement root = json.RootElement;
                    string? access = AzureDevOpsHttp.ReadString(root, "access_token");
                    string? refresh = AzureDevOpsHttp.ReadString(root, "refresh_token");
                    string? expiresIn = AzureDevOpsHttp.ReadString(root, "expires_in");
                    if (string.IsNullOrEmpty(access) || string.IsNullOrEmpty(refresh))
                    {
                        throw new PfaException(ErrorIds.OAuthInvalidTokenResponse, PfaErrorKind.ProtocolError, $"The token answer from {endpoint.GetLeftPart(UriPartial.Path)} has no access token or no refresh token. Check that the authorization server URL of the registered application is right.", endpoint.GetLeftPart(UriPartial.Path));
                    }

                    if (access!.Length > MaxTokenLength || refresh!.Length > MaxTokenLength)
                    {
                        throw new PfaException(ErrorIds.OAuthInvalidTokenResponse, PfaErrorKind.ProtocolError, $"The token answer from {endpoint.GetLeftPart(UriPartial.Path)} holds a token longer than {MaxTokenLength / 1024} KB, which no Azure DevOps token is; nothing was stored. Check that the authorization server URL of the registered application is right.", endpoint.GetLeftPart(UriPartial.Path));
                    }

                    // expires_in is a string on the live service ("3599"); accept a number too.
                    double seconds = 3599;
                    if (expiresIn != null)
                    {
                        if (!double.TryParse(expiresIn, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) || double.IsNaN(parsed) || parsed <= 0 || parsed > MaxExpiresInSeconds)
                        {
                            throw new PfaException(ErrorIds.OAuthInvalidTokenResponse, PfaErrorKind.ProtocolError, $"The token answer from {endpoint.GetLeftPart(UriPartial.Path)} says the token lives '{AzureDevOpsHttp.Clip(expiresIn, 40)}' seconds, which is not a lifetime between 1 second and one year; nothing was stored. Check that the authorization server URL of the registered application is right.", endpoint.GetLeftPart(UriPartial.Path));
                        }

                        seconds = parsed;
                    }

                    return new TokenResponse(access!, refresh!, now.AddSeconds(seconds), AzureDevOpsHttp.ReadString(root, "scope"), AzureDevOpsHttp.ReadString(root, "token_type"));
                }
            }
            catch (JsonException ex)
            {
                throw new PfaException(ErrorIds.OAuthInvalidTokenResponse, PfaErrorKind.ProtocolError, $"The answer from {endpoint.GetLeftPart(UriPartial.Path)} is not JSON. Check that the authorization server URL of the registered application is right.", endpoint.GetLeftPart(UriPartial.Path), ex);
            }
        }

        /// <summary>Turns an error answer into a PfaException with a stable id and what to do. Never quotes the request.</summary>
        internal static PfaException MapError(int status, byte[] body, TokenGrant grant, Uri endpoint, HttpResponseMessage? response)
        {
            string? error = null;
            string? description = null;
            try
            {
                using (JsonDocument json = JsonDocument.Parse(body))
                {
                    // The hosted service answers {"Error","ErrorDescription"}; RFC 6749 servers {"error","error_description"}.
                    error = AzureDevOpsHttp.ReadString(json.RootElement, "Error", "error");
                    description = AzureDevOpsHttp.ReadString(json.RootElement, "ErrorDescription", "error_description");
                }
            }
            catch (JsonException)
            {
            }

            string target = endpoint.GetLeftPart(UriPartial.Path);
            string said = $" (the server said: {AzureDevOpsHttp.Clip(error ?? "HTTP " + status)}{(description != null ? ", \"" + AzureDevOpsHttp.Clip(description) + "\"" : string.Empty)})";
            string reconnect = grant == TokenGrant.RefreshToken
                ? " Run Connect-PfaAzureDevOps to connect again."
                : " Run Connect-PfaAzureDevOps again.";
            string d = description ?? string.Empty;

            if (status == 429 || status == 503)
            {
                TimeSpan? wait = response != null ? AzureDevOpsHttp.RetryAfter(response) : null;
                return new PfaException(ErrorIds.OAuthServerBusy, PfaErrorKind.LimitsExceeded, $"The Azure DevOps authorization server is busy (HTTP {status}){(wait.HasValue ? " and asks to wait " + AzureDevOpsHttp.FormatSeconds(wait.Value) + " seconds" : string.Empty)}.{said} Try again later.", target);
            }

            if (status >= 500 || string.Equals(error, "server_error", StringComparison.OrdinalIgnoreCase))
            {
                return new PfaException(ErrorIds.OAuthServerError, PfaErrorKind.ResourceUnavailable, $"The Azure DevOps authorization server failed (HTTP {status}){said}. Try again in a few minutes.", target);
            }

            switch (error?.ToLowerInvariant())
            {
                case "invalid_client":
                    return new PfaException(ErrorIds.OAuthInvalidClient, PfaErrorKind.Authentication, $"Azure DevOps did not accept the registered application's client secret{said}. The stored value is probably the 'App Secret' or was copied incompletely: the administrator should store the 'Client Secret' from the application's page with Set-PfaAzureDevOpsApp -ClientSecret, then you run Connect-PfaAzureDevOps.", target);
                case "unauthorized_client":
                    return new PfaException(ErrorIds.OAuthClientSecretRotated, PfaErrorKind.Authentication, $"Azure DevOps no longer accepts the registered application's client secret: it was regenerated{said}. Every connection made with the old secret ended. The administrator stores the new client secret with Set-PfaAzureDevOpsApp -ClientSecret; then run Connect-PfaAzureDevOps to connect again.", target);
                case "invalid_scope":
                    return new PfaException(ErrorIds.OAuthInvalidScope, PfaErrorKind.InvalidArgument, $"Azure DevOps refused the scopes{said}. The registration's scopes must be exactly those the application was registered with: the administrator fixes them with Set-PfaAzureDevOpsApp -OAuthScope; then run Connect-PfaAzureDevOps.", target);
                case "invalid_grant":
                    return grant == TokenGrant.AuthorizationCode
                        ? new PfaException(ErrorIds.OAuthCodeInvalid, PfaErrorKind.Authentication, $"Azure DevOps did not accept the authorization code: it was already used, belongs to another application, or is not a code{said}. Codes work once.{reconnect}", target)
                        : new PfaException(ErrorIds.OAuthRefreshTokenInvalid, PfaErrorKind.Authentication, $"Azure DevOps did not accept the stored refresh token{said}.{reconnect}", target);
                case "invalid_request":
                    if (Contains(d, "client secret has expired"))
                    {
                        return new PfaException(ErrorIds.OAuthClientSecretExpired, PfaErrorKind.Authentication, $"The registered application's client secret has expired{said}. The administrator generates a new one on the application's page and stores it with Set-PfaAzureDevOpsApp -ClientSecret -SecretExpiresOn; then run Connect-PfaAzureDevOps.", target);
                    }

                    if (Contains(d, "revoked"))
                    {
                        return new PfaException(ErrorIds.OAuthAuthorizationRevoked, PfaErrorKind.Authentication, $"The authorization of Pipelines for Applications in Azure DevOps was revoked{said}.{reconnect}", target);
                    }

                    if (Contains(d, "already been refreshed"))
                    {
                        return new PfaException(ErrorIds.OAuthRefreshTokenReused, PfaErrorKind.Authentication, $"The stored refresh token was already used: Azure DevOps rotates it on every refresh, and a newer one was not saved (another copy of the state, or a process stopped mid-refresh){said}.{reconnect}", target);
                    }

                    if (Contains(d, "refresh token"))
                    {
                        return new PfaException(ErrorIds.OAuthRefreshTokenInvalid, PfaErrorKind.Authentication, $"Azure DevOps did not accept the stored refresh token (expired, or minted with a client secret that was since regenerated){said}.{reconnect}", target);
                    }

                    if (Contains(d, "grant has expired") || (grant == TokenGrant.AuthorizationCode && Contains(d, "expired")))
                    {
                        return new PfaException(ErrorIds.OAuthCodeExpired, PfaErrorKind.Authentication, $"The authorization code expired before it was redeemed (codes live 15 minutes){said}. Run Connect-PfaAzureDevOps again and finish within a few minutes.", target);
                    }

                    if (Contains(d, "redirect"))
                    {
                        return new PfaException(ErrorIds.OAuthRedirectUriMismatch, PfaErrorKind.InvalidArgument, $"Azure DevOps says the callback URL does not match the application's{said}. The instance URL of the registration must be the one the application was registered with: the administrator checks it with Get-PfaAzureDevOpsApp.", target);
                    }

                    break;
            }

            return new PfaException(
                grant == TokenGrant.RefreshToken ? ErrorIds.OAuthRefreshFailed : ErrorIds.OAuthTokenRequestFailed,
                PfaErrorKind.Authentication,
                $"Azure DevOps refused the token request (HTTP {status}){said}.{reconnect}",
                target);
        }

        private static bool Contains(string text, string part) => text.IndexOf(part, StringComparison.OrdinalIgnoreCase) >= 0;

        /// <summary>
        /// The form body, encoded straight from the secret's characters (no intermediate string of the secret
        /// beyond the encoder's buffer, which is cleared).
        /// </summary>
        private sealed class FormBody : ByteArrayContent
        {
            public FormBody(char[] clientSecret, string grantType, string assertion, string callback)
                : base(Encode(clientSecret, grantType, assertion, callback))
            {
                Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
            }

            private static byte[] Encode(char[] clientSecret, string grantType, string assertion, string callback)
            {
                var builder = new StringBuilder();
                builder.Append("client_assertion_type=").Append(Uri.EscapeDataString(AssertionType));
                builder.Append("&client_assertion=");
                foreach (char c in clientSecret)
                {
                    AppendEscaped(builder, c);
                }

                builder.Append("&grant_type=").Append(Uri.EscapeDataString(grantType));
                builder.Append("&assertion=").Append(Uri.EscapeDataString(assertion));
                builder.Append("&redirect_uri=").Append(Uri.EscapeDataString(callback));
                char[] chars = new char[builder.Length];
                builder.CopyTo(0, chars, 0, chars.Length);
                builder.Clear();
                try
                {
                    return Encoding.UTF8.GetBytes(chars);
                }
                finally
                {
                    Array.Clear(chars, 0, chars.Length);
                }
            }

            private static void AppendEscaped(StringBuilder builder, char c)
            {
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~')
                {
                    builder.Append(c);
                    return;
                }

                foreach (byte b in Encoding.UTF8.GetBytes(new[] { c }))
                {
                    builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
            }
        }
    }
}
