using System;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Rest
{
    /// <summary>
    /// Calls the Azure DevOps REST API with a user's access token: <c>Authorization: Bearer</c>,
    /// <c>X-TFS-FedAuthRedirect: Suppress</c>, 203 or an HTML page treated as "not authenticated", Retry-After
    /// honoured a bounded number of times, time limits, cancellation, and Azure DevOps error bodies turned into
    /// messages. Every base URL comes from the caller, so on-premises servers and test servers work alike.
    /// </summary>
    public sealed class AzureDevOpsRestClient
    {
        public const string ApiVersion = "7.1";

        private readonly HttpMessageInvoker? _invoker;

        public AzureDevOpsRestClient(HttpMessageInvoker? invoker = null, HttpCallOptions? options = null)
        {
            _invoker = invoker;
            Options = options ?? HttpCallOptions.Default;
        }

        public HttpCallOptions Options { get; }

        /// <summary>GET a JSON resource. The caller disposes the document.</summary>
        public Task<JsonDocument> GetAsync(Uri url, string accessToken, CancellationToken cancellationToken) =>
            SendAsync(HttpMethod.Get, url, accessToken, null, cancellationToken);

        public Task<JsonDocument> SendAsync(HttpMethod method, Uri url, string accessToken, string? jsonBody, CancellationToken cancellationToken)
        {
            if (string.IsNullOrEmpty(accessToken))
            {
                throw new ArgumentException("An access token is required.", nameof(accessToken));
            }

            return SendAsync(method, url, new AuthenticationHeaderValue("Bearer", accessToken), jsonBody, null, cancellationToken);
        }

        /// <summary>The Authorization header of a personal access token: Basic with an empty user name, as Azure DevOps documents.</summary>
        public static AuthenticationHeaderValue PersonalAccessTokenHeader(string personalAccessToken)
        {
            if (string.IsNullOrWhiteSpace(personalAccessToken))
            {
                throw new PfaException(ErrorIds.PersonalAccessTokenEmpty, PfaErrorKind.InvalidArgument, "The personal access token is empty. Give the token Azure DevOps showed when you made it (User settings > Personal access tokens), as a SecureString, for example from Read-Host -AsSecureString or Get-Secret.", "PersonalAccessToken");
            }

            if (personalAccessToken.Length > 4096 || personalAccessToken.IndexOfAny(new[] { '\r', '\n', ':' }) >= 0 || char.IsWhiteSpace(personalAccessToken[0]) || char.IsWhiteSpace(personalAccessToken[personalAccessToken.Length - 1]))
            {
                throw new PfaException(ErrorIds.PersonalAccessTokenInvalid, PfaErrorKind.InvalidArgument, "The personal access token has white space, a line break or a colon in it, or is far too long: it was probably copied with extra characters. Copy the token again (it is one line of letters and digits).", "PersonalAccessToken");
            }

            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(":" + personalAccessToken)));
        }

        /// <summary>Sends with any Authorization header (Bearer access token, Basic personal access token) and an optional Accept api-version.</summary>
        public async Task<JsonDocument> SendAsync(HttpMethod method, Uri url, AuthenticationHeaderValue authorization, string? jsonBody, string? acceptApiVersion, CancellationToken cancellationToken)
        {
            if (authorization is null)
            {
                throw new ArgumentNullException(nameof(authorization));
            }

            bool idempotent = method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Put || method == HttpMethod.Delete;
            string what = "Azure DevOps (" + url.GetLeftPart(UriPartial.Authority) + ")";
            using (HttpResponseMessage response = await AzureDevOpsHttp.SendAsync(
                _invoker ?? AzureDevOpsHttp.Client,
                () =>
                {
                    var request = new HttpRequestMessage(method, url);
                    request.Headers.Authorization = authorization;
                    request.Headers.Add("X-TFS-FedAuthRedirect", "Suppress");
                    var accept = new MediaTypeWithQualityHeaderValue("application/json");
                    if (acceptApiVersion != null)
                    {
                        accept.Parameters.Add(new NameValueHeaderValue("api-version", acceptApiVersion));
                    }

                    request.Headers.Accept.Add(accept);
                    if (jsonBody != null)
                    {
                        request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
                    }

                    return request;
                },
                idempotent,
                Options,
                what,
                cancellationToken).ConfigureAwait(false))
            {
                return await ReadAsync(response, url).ConfigureAwait(false);
            }
        }

        private static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, Uri url)
        {
            int status = (int)response.StatusCode;
            string target = url.GetLeftPart(UriPartial.Path);
            byte[] body = response.Content is null ? Array.Empty<byte>() : await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);

            if (status == 203 || (status >= 200 && status < 300 && AzureDevOpsHttp.IsHtml(response)) || (status >= 300 && status < 400))
            {
                throw NotAuthenticated(target, null);
            }

            if (status >= 200 && status < 300)
            {
                try
                {
                    return body.Length == 0 ? JsonDocument.Parse("{}") : JsonDocument.Parse(body);
                }
                catch (JsonException ex)
                {
                    throw new PfaException(ErrorIds.AzureDevOpsInvalidResponse, PfaErrorKind.ProtocolError, $"Azure DevOps answered {target} with something that is not JSON. Check that the URL points at Azure DevOps.", target, ex);
                }
            }

            string? message = ServerMessage(body);
            string quoted = message != null ? " Azure DevOps said: " + message : string.Empty;
            switch (status)
            {
                case 401:
                    if (message != null && message.IndexOf("is not authorized to access this resource", StringComparison.OrdinalIgnoreCase) >= 0)
                    {
                        throw new PfaException(
                            ErrorIds.AzureDevOpsNotAuthorized,
                            PfaErrorKind.PermissionDenied,
                            $"Azure DevOps refused the connection's access to {target}.{quoted} Either the authorization was revoked (run Connect-PfaAzureDevOps to connect again), or the organization turned off 'Third-party application access via OAuth' (an organization administrator must turn it on).",
                            target);
                    }

                    throw NotAuthenticated(target, message);
                case 403:
                    throw new PfaException(ErrorIds.AzureDevOpsForbidden, PfaErrorKind.PermissionDenied, $"Azure DevOps does not allow this for the connected user ({target}).{quoted}", target);
                case 404:
                    throw new PfaException(ErrorIds.AzureDevOpsNotFound, PfaErrorKind.NotFound, $"Azure DevOps found nothing at {target}.{quoted} Check the organization, project and repository names (and -OrganizationUrl for servers other than dev.azure.com).", target);
                case 429:
                    TimeSpan? wait = AzureDevOpsHttp.RetryAfter(response);
                    throw new PfaException(ErrorIds.AzureDevOpsRateLimited, PfaErrorKind.LimitsExceeded, $"Azure DevOps is throttling requests (429){(wait.HasValue ? ", asking to wait " + AzureDevOpsHttp.FormatSeconds(wait.Value) + " seconds" : string.Empty)}.{quoted} Try again later.", target);
                default:
                    if (status >= 500)
                    {
                        throw new PfaException(ErrorIds.AzureDevOpsServerError, PfaErrorKind.ResourceUnavailable, $"Azure DevOps had a problem answering {target} (HTTP {status}).{quoted} Try again in a few minutes.", target);
                    }

                    throw new PfaException(ErrorIds.AzureDevOpsRequestFailed, PfaErrorKind.InvalidOperation, $"Azure DevOps refused the request to {target} (HTTP {status}).{quoted}", target);
            }
        }

        private static PfaException NotAuthenticated(string target, string? message) => new PfaException(
            ErrorIds.AzureDevOpsNotAuthenticated,
            PfaErrorKind.Authentication,
            $"Azure DevOps did not accept the access token for {target}{(message != null ? " (" + message + ")" : " (it answered with a sign-in page)")}. The token is invalid or expired: run Connect-PfaAzureDevOps to connect again.",
            target);

        /// <summary>The 'message' of an Azure DevOps error body, clipped and made printable; null when there is none.</summary>
        internal static string? ServerMessage(byte[] body)
        {
            if (body.Length == 0)
            {
                return null;
            }

            try
            {
                using (JsonDocument json = JsonDocument.Parse(body))
                {
                    string? message = AzureDevOpsHttp.ReadString(json.RootElement, "message");
                    return string.IsNullOrWhiteSpace(message) ? null : AzureDevOpsHttp.Clip(message);
                }
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}
