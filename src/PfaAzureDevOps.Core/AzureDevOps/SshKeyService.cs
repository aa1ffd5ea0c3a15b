using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Rest;
using PfaAzureDevOps.Core.Ssh;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.AzureDevOps
{
    /// <summary>
    /// The user's SSH public keys in an Azure DevOps organization, over the endpoints the Azure DevOps web page uses.
    /// These endpoints are NOT a documented REST API (Contribution/HierarchyQuery with the session token data provider
    /// to add, Token/SessionTokens with isPublic=true to list and delete); they may change without notice, so all of
    /// it is kept behind this one class. Which OAuth scope they need is undocumented too: a full-access token (an
    /// Entra token, or a personal access token) is known to work.
    /// </summary>
    public sealed class SshKeyService
    {
        public const string ProviderId = "ms.vss-token-web.personal-access-token-issue-session-token-provider";
        public const string HierarchyQueryApiVersion = "5.0-preview.1";
        public const string ListApiVersion = "7.0-preview.1";
        public const string DeleteApiVersion = "5.0-preview.1";

        /// <summary>The longest lifetime Azure DevOps keeps; anything longer is shortened by the service.</summary>
        public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(365);

        public const int MaxDisplayNameLength = 256;

        private readonly AzureDevOpsRestClient _rest;

        public SshKeyService(AzureDevOpsRestClient? rest = null)
        {
            _rest = rest ?? new AzureDevOpsRestClient();
        }

        /// <summary>Describes the credential in messages ("the connection's OAuth token", "the personal access token").</summary>
        public string CredentialDescription { get; set; } = "the connection's access token";

        /// <summary>True when the credential is a personal access token (changes the advice on refusal).</summary>
        public bool UsingPersonalAccessToken { get; set; }

        // ---- Local checks (no call made) -------------------------------------------------------------------

        /// <summary>Parses and checks a key line before anything is sent: a private key, a malformed line and non-RSA keys are refused.</summary>
        public static SshPublicKey CheckLocally(string publicKeyLine)
        {
            SshPublicKey key = SshPublicKey.Parse(publicKeyLine ?? string.Empty);
            RequireRsa(key);
            return key;
        }

        public static void RequireRsa(SshPublicKey key)
        {
            if (key.KeyType != SshKeyType.Rsa)
            {
                throw new PfaException(
                    ErrorIds.AzDevOpsSshKeyNotRsa,
                    PfaErrorKind.InvalidArgument,
                    $"Azure DevOps accepts only RSA SSH keys ('ssh-rsa'); this is a {key.AlgorithmName} key ({key.Sha256Fingerprint}), which it refuses. Make an RSA key with New-PfaSshKey -KeyType Rsa (4096 bits by default) and add that one.",
                    key.Sha256Fingerprint);
            }
        }

        public static string CheckDisplayName(string? displayName)
        {
            string name = (displayName ?? string.Empty).Trim();
            if (name.Length == 0)
            {
                throw new PfaException(ErrorIds.AzDevOpsSshKeyInvalidDescription, PfaErrorKind.InvalidArgument, "The key's description is empty; Azure DevOps requires one. Give -Description, or leave it out for the default.", displayName);
            }

            if (name.Length > MaxDisplayNameLength || name.IndexOfAny(new[] { '\r', '\n' }) >= 0)
            {
                throw new PfaException(ErrorIds.AzDevOpsSshKeyInvalidDescription, PfaErrorKind.InvalidArgument, $"The key's description must be one line of at most {MaxDisplayNameLength} characters (it has {name.Length}). Give a shorter -Description.", name.Length > 40 ? name.Substring(0, 40) + "..." : name);
            }

            return name;
        }

        /// <summary>The expiry to ask for: default now + 1 year; past dates refused; more than a year is sent as given (the service shortens it) and reported.</summary>
        public static DateTimeOffset CheckExpiry(DateTimeOffset? requested, DateTimeOffset now, out bool longerThanService)
        {
            DateTimeOffset validTo = requested ?? now.Add(MaxLifetime);
            if (validTo <= now)
            {
                throw new PfaException(ErrorIds.AzDevOpsSshKeyInvalidExpiry, PfaErrorKind.InvalidArgument, $"-ExpiresOn ({validTo:u}) is in the past. Give a date within the next year, or leave it out for one year.", validTo);
            }

            longerThanService = validTo > now.Add(MaxLifetime).AddMinutes(5);
            return validTo;
        }

        // ---- Calls -----------------------------------------------------------------------------------------

        /// <summary>The organization's instance id (connectionData), which the create call targets.</summary>
        public async Task<Guid> GetInstanceIdAsync(SshKeyEndpoints endpoints, AuthenticationHeaderValue credential, CancellationToken cancellationToken)
        {
            var url = new Uri(endpoints.OrganizationUrl.AbsoluteUri + "/_apis/connectionData");
            using (JsonDocument json = await CallAsync(HttpMethod.Get, url, credential, null, null, endpoints, cancellationToken).ConfigureAwait(false))
            {
                string? id = AzureDevOpsHttp.ReadString(json.RootElement, "instanceId");
                if (!Guid.TryParse(id, out Guid instanceId))
                {
                    throw new PfaException(ErrorIds.AzDevOpsSshKeyInvalidResponse, PfaErrorKind.ProtocolError, $"Azure DevOps answered {url} without the organization's instanceId. Check that {endpoints.OrganizationUrl} is an Azure DevOps organization.", url.AbsoluteUri);
                }

                return instanceId;
            }
        }

        /// <summary>The caller's SSH keys in the organization (expired ones included).</summary>
        public async Task<IReadOnlyList<AzureDevOpsSshKey>> ListAsync(SshKeyEndpoints endpoints, AuthenticationHeaderValue credential, CancellationToken cancellationToken)
        {
            var url = new Uri(endpoints.VsspsUrl.AbsoluteUri + "/_apis/Token/SessionTokens?isPublic=true&includePublicData=true&api-version=" + ListApiVersion);
            var keys = new List<AzureDevOpsSshKey>();
            using (JsonDocument json = await CallAsync(HttpMethod.Get, url, credential, null, null, endpoints, cancellationToken).ConfigureAwait(false))
            {
                JsonElement root = json.RootElement;
                JsonElement list = root;
                if (root.ValueKind == JsonValueKind.Object && !TryGet(root, "value", out list))
                {
                    list = default;
                }

                // A list of keys or nothing: an answer of any other shape is not taken for "no keys".
                if (list.ValueKind != JsonValueKind.Array)
                {
                    throw UnexpectedList(url, "it holds no list of keys");
                }

                foreach (JsonElement item in list.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Object)
                    {
                        throw UnexpectedList(url, "an entry is not an object");
                    }

                    if (TryGet(item, "isPublic", out JsonElement isPublic) && isPublic.ValueKind == JsonValueKind.False)
                    {
                        continue;
                    }

                    if (!TryGet(item, "authorizationId", out JsonElement id) || id.ValueKind != JsonValueKind.String || !Guid.TryParse(id.GetString(), out _))
                    {
                        throw UnexpectedList(url, "an entry has no authorizationId");
                    }

                    foreach (string name in new[] { "displayName", "publicData", "validFrom", "validTo" })
                    {
                        if (TryGet(item, name, out JsonElement field) && field.ValueKind != JsonValueKind.String && field.ValueKind != JsonValueKind.Null)
                        {
                            throw UnexpectedList(url, $"an entry's {name} is not text");
                        }
                    }

                    keys.Add(ToKey(item, endpoints.Organization));
                }
            }

            return keys;
        }

        /// <summary>
        /// Adds the key, or returns the one already registered for this user with the same key blob (marked AlreadyPresent).
        /// </summary>
        public async Task<AzureDevOpsSshKey> AddAsync(SshKeyEndpoints endpoints, AuthenticationHeaderValue credential, SshKeyAddRequest request, Action<string>? log, CancellationToken cancellationToken)
        {
            RequireRsa(request.Key);
            foreach (AzureDevOpsSshKey existing in await ListAsync(endpoints, credential, cancellationToken).ConfigureAwait(false))
            {
                SshPublicKey? parsed = existing.TryParse();
                if (parsed != null && parsed.SameKeyAs(request.Key))
                {
                    if (!existing.IsValid)
                    {
                        throw new PfaException(
                            ErrorIds.AzDevOpsSshKeyExpired,
                            PfaErrorKind.InvalidOperation,
                            $"This key ({request.Key.Md5Fingerprint}) is registered in {endpoints.Organization} as '{existing.DisplayName}' ({existing.AuthorizationId}) but expired on {existing.ValidTo:yyyy-MM-dd}, and Azure DevOps does not take the same key twice. Remove the expired one first (Get-AzDevOpsSshKey -LocalKeyOnly | Remove-AzDevOpsSshKey), then add the key again.",
                            existing.AuthorizationId);
                    }

                    log?.Invoke($"The key {request.Key.Md5Fingerprint} is already registered in {endpoints.Organization} as '{existing.DisplayName}' ({existing.AuthorizationId}).");
                    existing.AlreadyPresent = true;
                    return existing;
                }
            }

            Guid instanceId = await GetInstanceIdAsync(endpoints, credential, cancellationToken).ConfigureAwait(false);
            log?.Invoke($"Organization {endpoints.Organization} has instance id {instanceId}.");
            string body = CreateBody(request, instanceId);
            var url = new Uri(endpoints.OrganizationUrl.AbsoluteUri + "/_apis/Contribution/HierarchyQuery");
            using (JsonDocument json = await CallAsync(HttpMethod.Post, url, credential, body, HierarchyQueryApiVersion, endpoints, cancellationToken).ConfigureAwait(false))
            {
                JsonElement root = json.RootElement;
                if (TryGet(root, "dataProviderExceptions", out JsonElement exceptions) && exceptions.ValueKind == JsonValueKind.Object)
                {
                    foreach (JsonProperty property in exceptions.EnumerateObject())
                    {
                        if (property.Value.ValueKind == JsonValueKind.Object)
                        {
                            throw MapRefusal(property.Value, request, endpoints);
                        }
                    }
                }

                if (TryGet(root, "dataProviders", out JsonElement providers) && TryGet(providers, ProviderId, out JsonElement token) && token.ValueKind == JsonValueKind.Object)
                {
                    AzureDevOpsSshKey added = ToKey(token, endpoints.Organization);
                    added.Md5Fingerprint ??= request.Key.Md5Fingerprint;
                    added.Sha256Fingerprint ??= request.Key.Sha256Fingerprint;
                    return added;
                }

                throw new PfaException(ErrorIds.AzDevOpsSshKeyInvalidResponse, PfaErrorKind.ProtocolError, $"Azure DevOps answered the request to add the SSH key without the key or an error ({url}). This undocumented endpoint may have changed; add the key on the web page (User settings > SSH public keys) instead.", url.AbsoluteUri);
            }
        }

        public async Task RemoveAsync(SshKeyEndpoints endpoints, AuthenticationHeaderValue credential, Guid authorizationId, CancellationToken cancellationToken)
        {
            var url = new Uri(endpoints.VsspsUrl.AbsoluteUri + "/_apis/Token/SessionTokens/" + authorizationId.ToString("D") + "?isPublic=true&api-version=" + DeleteApiVersion);
            try
            {
                using (await CallAsync(HttpMethod.Delete, url, credential, null, null, endpoints, cancellationToken).ConfigureAwait(false))
                {
                }
            }
            catch (PfaException ex) when (ex.ErrorId == ErrorIds.AzureDevOpsNotFound)
            {
                throw new PfaException(ErrorIds.AzDevOpsSshKeyNotFound, PfaErrorKind.NotFound, $"You have no SSH key with id {authorizationId} in {endpoints.Organization}. List them with Get-AzDevOpsSshKey.", authorizationId, ex);
            }
        }

        internal static string CreateBody(SshKeyAddRequest request, Guid instanceId)
        {
            using (var stream = new System.IO.MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(stream))
                {
                    writer.WriteStartObject();
                    writer.WriteStartArray("contributionIds");
                    writer.WriteStringValue(ProviderId);
                    writer.WriteEndArray();
                    writer.WriteStartObject("dataProviderContext");
                    writer.WriteStartObject("properties");
                    writer.WriteString("displayName", request.DisplayName);
                    writer.WriteString("publicData", request.Key.Line.Trim());
                    writer.WriteString("validTo", request.ValidTo.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                    writer.WriteString("scope", "app_token");
                    writer.WriteBoolean("isPublic", true);
                    writer.WriteStartArray("targetAccounts");
                    writer.WriteStringValue(instanceId.ToString("D"));
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                return Encoding.UTF8.GetString(stream.ToArray());
            }
        }

        private PfaException MapRefusal(JsonElement exception, SshKeyAddRequest request, SshKeyEndpoints endpoints)
        {
            string message = AzureDevOpsHttp.Clip(AzureDevOpsHttp.ReadString(exception, "message") ?? "(no message)");
            string name = AzureDevOpsHttp.ReadString(exception, "sessionTokenError") ?? string.Empty;
            string said = " Azure DevOps said: " + message;
            bool Has(string text) => message.IndexOf(text, StringComparison.OrdinalIgnoreCase) >= 0;

            if (name == "duplicateHash" || Has("already in use"))
            {
                return new PfaException(ErrorIds.AzDevOpsSshKeyAlreadyInUse, PfaErrorKind.AlreadyExists, $"Azure DevOps already has this SSH key ({request.Key.Md5Fingerprint}) registered, but not as one of your keys in {endpoints.Organization}: another user, or another organization, uses it.{said} A key can be registered only once: make a new key with New-PfaSshKey -Force and add that, or remove the key where it is registered.", request.Key.Md5Fingerprint);
            }

            if (name == "sshPolicyDisabled" || Has("SSH keys are disabled") || Has("disabled on this organization"))
            {
                return new PfaException(ErrorIds.AzDevOpsSshKeysDisabled, PfaErrorKind.PermissionDenied, $"The organization {endpoints.Organization} does not allow SSH keys.{said} An organization administrator must turn on SSH authentication (Organization settings > Policies); until then, clone over HTTPS.", endpoints.Organization);
            }

            if (name == "displayNameRequired" || name == "invalidDisplayName" || Has("displayName"))
            {
                return new PfaException(ErrorIds.AzDevOpsSshKeyInvalidDescription, PfaErrorKind.InvalidArgument, $"Azure DevOps refused the key's description.{said} Give a -Description of one line, at most {MaxDisplayNameLength} characters.", request.DisplayName);
            }

            if (name == "invalidValidTo")
            {
                return new PfaException(ErrorIds.AzDevOpsSshKeyInvalidExpiry, PfaErrorKind.InvalidArgument, $"Azure DevOps refused the expiry date ({request.ValidTo:u}).{said} Give an -ExpiresOn within the next year.", request.ValidTo);
            }

            if (name == "invalidPublicKey" || Has("Invalid key"))
            {
                return new PfaException(ErrorIds.AzDevOpsSshKeyInvalid, PfaErrorKind.InvalidData, $"Azure DevOps refused the public key ({request.Key.Md5Fingerprint}).{said} Give one RSA public key line ('ssh-rsa AAAA...'), for example from Get-PfaSshPublicKey.", request.Key.Md5Fingerprint);
            }

            return new PfaException(ErrorIds.AzDevOpsSshKeyRefused, PfaErrorKind.InvalidOperation, $"Azure DevOps refused to add the SSH key to {endpoints.Organization}.{said} Add it on the web page (User settings > SSH public keys) to see more.", endpoints.Organization);
        }

        private async Task<JsonDocument> CallAsync(HttpMethod method, Uri url, AuthenticationHeaderValue credential, string? body, string? apiVersion, SshKeyEndpoints endpoints, CancellationToken cancellationToken)
        {
            try
            {
                return await _rest.SendAsync(method, url, credential, body, apiVersion, cancellationToken).ConfigureAwait(false);
            }
            catch (PfaException ex) when (ex.ErrorId == ErrorIds.AzureDevOpsNotAuthenticated || ex.ErrorId == ErrorIds.AzureDevOpsNotAuthorized || ex.ErrorId == ErrorIds.AzureDevOpsForbidden)
            {
                // The cause in one line (with the service's own words, clipped), then what to do: a few lines in all.
                System.Text.RegularExpressions.Match said = System.Text.RegularExpressions.Regex.Match(ex.Message, @"TF\d{6}:[^()]*");
                string quote = said.Success ? " (" + (said.Value.Length > 64 ? said.Value.Substring(0, 64).TrimEnd() + "..." : said.Value.TrimEnd(' ', '.')) + ")" : string.Empty;
                string message = UsingPersonalAccessToken
                    ? $"Azure DevOps refused the personal access token for the SSH keys of {endpoints.Organization}{quote}.\nCheck that it is for {endpoints.Organization}, not expired, with full access or 'Tokens: Read & manage'."
                    : $"Azure DevOps refused {CredentialDescription} for the SSH keys of {endpoints.Organization}{quote}: these undocumented endpoints may need more than it allows.\nGive -PersonalAccessToken (full access or 'Tokens: Read & manage'), or add the key on the web page (User settings > SSH public keys). If the connection expired, run Connect-PfaAzureDevOps.";
                throw new PfaException(ErrorIds.AzDevOpsSshKeyTokenRefused, ex.Kind, message, url.GetLeftPart(UriPartial.Path), ex);
            }
        }

        private static PfaException UnexpectedList(Uri url, string why) => new PfaException(
            ErrorIds.AzDevOpsSshKeyInvalidResponse,
            PfaErrorKind.ProtocolError,
            $"Azure DevOps answered {Rules.UrlRules.Redact(url)} with something that is not a list of SSH keys ({why}). This undocumented endpoint may have changed, or the URL does not point at Azure DevOps (check -OrganizationUrl and -VsspsUrl); see your keys on the web page (User settings > SSH public keys).",
            Rules.UrlRules.Redact(url));

        private static AzureDevOpsSshKey ToKey(JsonElement token, string organization)
        {
            var key = new AzureDevOpsSshKey { Organization = organization };
            if (Guid.TryParse(AzureDevOpsHttp.ReadString(token, "authorizationId"), out Guid id))
            {
                key.AuthorizationId = id;
            }

            key.DisplayName = AzureDevOpsHttp.ReadString(token, "displayName") ?? string.Empty;
            key.PublicData = AzureDevOpsHttp.ReadString(token, "publicData");
            key.ValidFrom = ReadDate(token, "validFrom");
            key.ValidTo = ReadDate(token, "validTo");
            key.IsValid = TryGet(token, "isValid", out JsonElement valid) ? valid.ValueKind == JsonValueKind.True : (key.ValidTo == null || key.ValidTo > DateTimeOffset.UtcNow);
            if (key.ValidTo != null && key.ValidTo <= DateTimeOffset.UtcNow)
            {
                key.IsValid = false;
            }

            SshPublicKey? parsed = key.TryParse();
            key.Md5Fingerprint = parsed?.Md5Fingerprint;
            key.Sha256Fingerprint = parsed?.Sha256Fingerprint;
            return key;
        }

        private static DateTimeOffset? ReadDate(JsonElement element, string name)
        {
            string? text = AzureDevOpsHttp.ReadString(element, name);
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset value) ? value : (DateTimeOffset?)null;
        }

        private static bool TryGet(JsonElement element, string name, out JsonElement value)
        {
            value = default;
            if (element.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    value = property.Value;
                    return true;
                }
            }

            return false;
        }
    }
}
