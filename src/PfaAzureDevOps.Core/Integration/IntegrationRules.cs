using System;
using System.Collections.Generic;
using System.Globalization;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Integration
{
    /// <summary>
    /// The seven checks of Test-PfaAzureDevOpsIntegration as rules: from what was found (the registration, the connection
    /// and its refresh, the local key, the keys Azure DevOps lists, the clone access result) to Pass, Warn or Fail with what
    /// to do. The cmdlet only gathers the facts (with progress and Ctrl+C) and writes the results.
    /// </summary>
    public static class IntegrationRules
    {
        public const string AppRegistered = "AppRegistered";
        public const string ClientSecret = "ClientSecret";
        public const string UserConnected = "UserConnected";
        public const string TokenRefreshable = "TokenRefreshable";
        public const string SshKeyPresent = "SshKeyPresent";
        public const string SshKeyRegistered = "SshKeyRegistered";
        public const string CloneAccess = "CloneAccess";

        /// <summary>A registered key this close to its expiry is a warning.</summary>
        public const int KeyWarningDays = 30;

        /// <summary>A key this close to its expiry fails the check: a daily rotation should have replaced it by now.</summary>
        public const int KeyFailDays = 7;

        /// <summary>A check that failed with an engine error: its message and id.</summary>
        public static IntegrationCheck Failed(string name, PfaException error, string? target = null, string hint = "") =>
            new IntegrationCheck(name, IntegrationResult.Fail, error.Message + hint, target, error.ErrorId);

        // 1. The application.
        public static IntegrationCheck Application(Registration.AppRegistration registration) =>
            new IntegrationCheck(AppRegistered, IntegrationResult.Pass, $"Application {registration.ClientId} ({registration.Provider}) is registered for {registration.InstanceUrl}.");

        // 2. Its client secret: the recorded expiry, and whether the token refresh just now went through it.
        public static IntegrationCheck Secret(Registration.AppRegistration? registration, Connection.ConnectionDocument? connection, bool tokenWorks, PfaException? refreshError, DateTimeOffset now)
        {
            if (registration is null)
            {
                return new IntegrationCheck(ClientSecret, IntegrationResult.Fail, "No application is registered, so there is no client secret to check. An administrator runs Register-PfaAzureDevOpsApp.");
            }

            if (registration.ClientSecretName is null)
            {
                return new IntegrationCheck(ClientSecret, IntegrationResult.Pass, "The application is a public client; it has no client secret.");
            }

            // Whether this refresh went through the registered application's secret (Azure DevOps OAuth, same client).
            bool secretUsed = connection != null && connection.Provider == Registration.IdentityProvider.AzureDevOps && connection.ClientId == registration.ClientId;
            if (secretUsed && refreshError != null && (refreshError.ErrorId.StartsWith("OAuthClientSecret", StringComparison.Ordinal) || refreshError.ErrorId == ErrorIds.OAuthInvalidClient))
            {
                return new IntegrationCheck(ClientSecret, IntegrationResult.Fail, "Azure DevOps refused the stored client secret just now (see TokenRefreshable). The administrator stores the current Client Secret with Set-PfaAzureDevOpsApp -ClientSecret -SecretExpiresOn.", errorId: refreshError.ErrorId);
            }

            string verified = secretUsed && tokenWorks
                ? " Azure DevOps accepted it just now (token refresh)."
                : " Checked by its recorded date only: not verified with Azure DevOps (that needs a connection through this application).";
            DateTimeOffset expires = registration.SecretExpiresOn.GetValueOrDefault();
            double days = (expires - now).TotalDays;
            switch (Registration.SecretExpiry.Evaluate(registration.SecretExpiresOn, now))
            {
                case Registration.SecretExpiryState.NotRecorded:
                    return new IntegrationCheck(ClientSecret, IntegrationResult.Warn, "The client secret's expiry date is not recorded, so nobody will be warned before it expires. The administrator records it with Set-PfaAzureDevOpsApp -SecretExpiresOn." + verified);
                case Registration.SecretExpiryState.Expired:
                    return new IntegrationCheck(ClientSecret, IntegrationResult.Fail, $"The client secret expired on {Date(expires)}: tokens can no longer be refreshed. The administrator makes a new secret for the application in Azure DevOps and stores it with Set-PfaAzureDevOpsApp -ClientSecret -SecretExpiresOn.");
                case Registration.SecretExpiryState.ExpiringSoon:
                    return new IntegrationCheck(ClientSecret, IntegrationResult.Warn, $"The client secret expires in {Math.Floor(days)} day(s), on {Date(expires)}. The administrator should make a new one now and store it with Set-PfaAzureDevOpsApp -ClientSecret -SecretExpiresOn." + verified);
                default:
                    return new IntegrationCheck(ClientSecret, IntegrationResult.Pass, $"The client secret is valid for {Math.Floor(days)} more days (to {Date(expires)})." + verified);
            }
        }

        // 3-4. The user's connection and its refresh.
        public static IEnumerable<IntegrationCheck> Connection(Connection.ConnectionDocument? connection, PfaException? connectionError, Connection.AccessTokenResult? refreshed, PfaException? refreshError)
        {
            if (connectionError != null)
            {
                yield return Failed(UserConnected, connectionError);
            }

            if (connection is null)
            {
                yield return new IntegrationCheck(UserConnected, IntegrationResult.Fail, "You have not connected Azure DevOps in this account. Run Connect-PfaAzureDevOps.");
                yield return new IntegrationCheck(TokenRefreshable, IntegrationResult.Fail, "Not connected, so there is no token to refresh. Run Connect-PfaAzureDevOps.");
                yield break;
            }

            yield return new IntegrationCheck(UserConnected, IntegrationResult.Pass, $"Connected as {connection.UserDisplayName ?? connection.UserId}{(connection.Organization != null ? " to " + connection.Organization : string.Empty)} since {Date(connection.ConnectedOn)}.");
            yield return refreshed != null
                ? new IntegrationCheck(TokenRefreshable, IntegrationResult.Pass, $"The refresh token works; the new access token is valid until {Time(refreshed.ExpiresOn)}.")
                : Failed(TokenRefreshable, refreshError ?? throw new ArgumentNullException(nameof(refreshError)));
        }

        // 5. The local SSH key.
        public static IntegrationCheck LocalKey(Ssh.StoredSshKey? local)
        {
            if (local is null)
            {
                return new IntegrationCheck(SshKeyPresent, IntegrationResult.Fail, "You have no SSH key on this machine. Run New-PfaSshKey, then Get-PfaSshPublicKey | Add-AzDevOpsSshKey.");
            }

            return local.Type != Ssh.SshKeyType.Rsa
                ? new IntegrationCheck(SshKeyPresent, IntegrationResult.Fail, $"Your SSH key is {local.Type} ({local.Sha256Fingerprint}); Azure DevOps accepts only RSA keys. Run New-PfaSshKey -KeyType Rsa -Force, then add it with Add-AzDevOpsSshKey.")
                : new IntegrationCheck(SshKeyPresent, IntegrationResult.Pass, $"SSH key RSA {local.Bits} MD5:{local.Md5Fingerprint} ({local.Comment}).");
        }

        // 6. The key in Azure DevOps: why Azure DevOps cannot be asked at all (null when it can).
        public static IntegrationCheck? CannotAskForKeys(Ssh.StoredSshKey? local, bool connected, bool personalAccessToken)
        {
            if (local is null)
            {
                return new IntegrationCheck(SshKeyRegistered, IntegrationResult.Fail, "There is no local SSH key to look for in Azure DevOps. Run New-PfaSshKey, then Add-AzDevOpsSshKey.");
            }

            return !connected && !personalAccessToken
                ? new IntegrationCheck(SshKeyRegistered, IntegrationResult.Fail, "Not connected, so Azure DevOps cannot be asked for your keys. Run Connect-PfaAzureDevOps (or give -PersonalAccessToken).")
                : null;
        }

        /// <summary>The Azure DevOps organizations the repository URLs name (their keys are the ones that matter for cloning them).</summary>
        public static IReadOnlyList<string> OrganizationsOf(IEnumerable<string>? repositoryUrls)
        {
            var named = new List<string>();
            foreach (string url in repositoryUrls ?? Array.Empty<string>())
            {
                if (Git.GitSshUrl.TryParse(url, out Git.GitSshUrl? parsed) && parsed!.AzureDevOpsOrganization is string name
                    && !named.Exists(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)))
                {
                    named.Add(name);
                }
            }

            return named;
        }

        /// <summary>Added to a key-listing failure when the token could not be refreshed (the likely cause).</summary>
        public static string RefreshHint(bool tokenWorks, bool personalAccessToken) =>
            tokenWorks || personalAccessToken ? string.Empty : " (the access token could not be refreshed; see TokenRefreshable)";

        /// <summary>6. The local key among the keys Azure DevOps lists for <paramref name="organization"/>, and its expiry.</summary>
        public static IntegrationCheck KeyRegistration(string organization, IEnumerable<AzureDevOps.AzureDevOpsSshKey> keys, Ssh.StoredSshKey local, DateTimeOffset now)
        {
            AzureDevOps.AzureDevOpsSshKey? match = null;
            Ssh.SshPublicKey? localKey;
            try
            {
                localKey = local.ParsePublicKey();
            }
            catch (PfaException)
            {
                localKey = null;
            }

            foreach (AzureDevOps.AzureDevOpsSshKey key in keys)
            {
                if (IsLocal(key, localKey) && (match is null || (key.ValidTo ?? DateTimeOffset.MaxValue) > (match.ValidTo ?? DateTimeOffset.MaxValue)))
                {
                    match = key;
                }
            }

            if (match is null)
            {
                return new IntegrationCheck(SshKeyRegistered, IntegrationResult.Fail, $"Your SSH key MD5:{local.Md5Fingerprint} is not registered in {organization}. Run Get-PfaSshPublicKey | Add-AzDevOpsSshKey -Organization {organization}.", organization);
            }

            int? daysLeft = match.ValidTo.HasValue ? (int)Math.Floor((match.ValidTo.Value - now).TotalDays) : (int?)null;
            string validTo = match.ValidTo.HasValue ? match.ValidTo.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : string.Empty;
            string rotate = $"Replace it without downtime: Update-PfaSshKey -Organization {organization} (a scheduled task can run Update-PfaSshKey -ExpiringWithinDays {KeyWarningDays} daily).";
            if (!match.IsValid || (daysLeft ?? 1) < 0)
            {
                return new IntegrationCheck(SshKeyRegistered, IntegrationResult.Fail, $"Your SSH key '{match.DisplayName}' in {organization} expired on {validTo}; Azure DevOps refuses it. Make a new key and register it: Update-PfaSshKey -Organization {organization}.", organization, ErrorIds.AzDevOpsSshKeyExpired);
            }

            if (daysLeft < KeyFailDays)
            {
                return new IntegrationCheck(SshKeyRegistered, IntegrationResult.Fail, $"Your SSH key '{match.DisplayName}' in {organization} expires in {daysLeft} day(s), on {validTo}; clones stop then. {rotate}", organization, ErrorIds.AzDevOpsSshKeyExpiring);
            }

            return daysLeft < KeyWarningDays
                ? new IntegrationCheck(SshKeyRegistered, IntegrationResult.Warn, $"Your SSH key '{match.DisplayName}' in {organization} expires in {daysLeft} day(s), on {validTo}. {rotate}", organization)
                : new IntegrationCheck(SshKeyRegistered, IntegrationResult.Pass, $"Your SSH key is registered in {organization} as '{match.DisplayName}', valid for {daysLeft} more days (to {validTo}).", organization);
        }

        // 7. Clone access.
        public static IntegrationCheck Clone(string url, Git.GitAccessResult result) =>
            result.Success
                ? new IntegrationCheck(CloneAccess, IntegrationResult.Pass, $"Can clone {url} ({result.Refs.Count} ref(s), default branch {result.DefaultBranch ?? "none"}).", url)
                : new IntegrationCheck(CloneAccess, IntegrationResult.Fail, result.Message, url, result.ErrorId);

        private static bool IsLocal(AzureDevOps.AzureDevOpsSshKey key, Ssh.SshPublicKey? local)
        {
            if (key.PublicData is null || local is null)
            {
                return false;
            }

            try
            {
                Ssh.SshPublicKey? parsed = key.TryParse();
                return parsed != null && parsed.SameKeyAs(local);
            }
            catch (PfaException)
            {
                return false;
            }
        }

        private static string Date(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        private static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";
    }
}
