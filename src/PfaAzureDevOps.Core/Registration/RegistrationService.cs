using System;
using System.Collections.Generic;
using System.Text;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.Registration
{
    /// <summary>Keeps the instance's OAuth application: the document in one scope, the secret in that scope's vault.</summary>
    public sealed class RegistrationService
    {
        private const string LockName = "registration";

        public RegistrationService(StateScope scope)
            : this(new StateStore(scope))
        {
        }

        public RegistrationService(StateStore store)
        {
            Store = store;
            Vault = new SecretVault(store);
        }

        public StateStore Store { get; }

        public SecretVault Vault { get; }

        public string DocumentPath => Store.GetPath(AppRegistration.FileName);

        public AppRegistration? Get() => Store.Read<AppRegistration>(AppRegistration.FileName, AppRegistration.DocumentKind, AppRegistration.CurrentVersion);

        /// <summary>Validates everything before anything is written; then stores the secret and the document.</summary>
        public AppRegistration Register(RegistrationRequest request, DateTimeOffset now)
        {
            AppRegistration registration = Build(request, now);
            Elevation.RequireForWrite(Store.Scope, "the instance's OAuth application");
            using (Store.Lock(LockName))
            {
                AppRegistration? existing = Get();
                if (existing != null && !request.Force)
                {
                    throw new PfaException(
                        ErrorIds.RegistrationExists,
                        PfaErrorKind.AlreadyExists,
                        $"An application ({existing.Provider}, client ID {existing.ClientId}) is already registered for {Store.Scope}. Use -Force to replace it, or Set-PfaAzureDevOpsApp to rotate its secret.",
                        DocumentPath);
                }

                if (request.UserGroup != null)
                {
                    RequireAllUsersForGroup();
                    SharedMachineSecret.ResolveGroup(request.UserGroup);
                    registration.UserGroup = request.UserGroup;
                }

                if (request.ClientSecret != null)
                {
                    registration.ClientSecretName = NewSecretName();
                    Vault.Write(registration.ClientSecretName, Encoding.UTF8.GetBytes(request.ClientSecret));
                }

                Share(registration, request.ClientSecret);
                Commit(registration, existing?.ClientSecretName);
                StoreSweeper.Sweep(Store);
                return registration;
            }
        }

        public AppRegistration Update(RegistrationChange change, DateTimeOffset now)
        {
            Elevation.RequireForWrite(Store.Scope, "the instance's OAuth application");
            using (Store.Lock(LockName))
            {
                AppRegistration registration = Get() ?? throw NotRegistered(Store.Scope);
                string? oldSecret = registration.ClientSecretName;
                if (change.Scopes != null)
                {
                    registration.Scopes = RegistrationRules.NormalizeScopes(registration.Provider, change.Scopes);
                }

                if (change.AuthorizationServer != null)
                {
                    registration.AuthorizationServer = RegistrationRules.NormalizeServerUrl(change.AuthorizationServer, "authorization server").AbsoluteUri.TrimEnd('/');
                }

                if (change.ClearSecretExpiry)
                {
                    registration.SecretExpiresOn = null;
                }
                else if (change.SecretExpiresOn.HasValue)
                {
                    registration.SecretExpiresOn = CheckExpiry(change.SecretExpiresOn, now);
                }

                if (change.UserGroup != null)
                {
                    RequireAllUsersForGroup();
                    SharedMachineSecret.ResolveGroup(change.UserGroup);
                    registration.UserGroup = change.UserGroup;
                }

                string? retired = null;
                if (change.ClientSecret != null)
                {
                    CheckSecret(change.ClientSecret);
                    registration.ClientSecretName = NewSecretName();
                    Vault.Write(registration.ClientSecretName, Encoding.UTF8.GetBytes(change.ClientSecret));
                    retired = oldSecret;
                    if (!change.SecretExpiresOn.HasValue && !change.ClearSecretExpiry)
                    {
                        registration.SecretExpiresOn = null;
                    }
                }

                if (change.ClientSecret != null || change.UserGroup != null)
                {
                    Share(registration, change.ClientSecret);
                }

                registration.UpdatedOn = now;
                Commit(registration, retired);
                StoreSweeper.Sweep(Store);
                return registration;
            }
        }

        /// <summary>Removes the registration and its secret. With force, a corrupt document is moved aside (never deleted).</summary>
        public AppRegistration? Unregister(bool force)
        {
            Elevation.RequireForWrite(Store.Scope, "the instance's OAuth application");
            using (Store.Lock(LockName))
            {
                AppRegistration? existing;
                try
                {
                    existing = Get();
                }
                catch (PfaException ex) when (force && StateStore.IsUnreadable(ex))
                {
                    Store.MoveAside(AppRegistration.FileName);
                    return null;
                }

                if (existing is null)
                {
                    throw NotRegistered(Store.Scope);
                }

                Store.Delete(AppRegistration.FileName);
                if (existing.ClientSecretName != null)
                {
                    Vault.Delete(existing.ClientSecretName);
                }

                if (SharedMachineSecret.IsSupported)
                {
                    SharedMachineSecret.RemoveOthers(Store, keep: null);
                }

                StoreSweeper.Sweep(Store);
                return existing;
            }
        }

        /// <summary>The client secret, for the token exchange only. The caller clears the array after use.</summary>
        public char[]? ReadClientSecret(AppRegistration registration)
        {
            if (registration.ClientSecretName is null)
            {
                return null;
            }

            byte[]? shared = null;
            if (Store.Scope == StateScope.AllUsers && SharedMachineSecret.IsSupported && !Elevation.IsElevated())
            {
                // An ordinary user of the instance: only the copy shared with the registration's group is readable.
                if (registration.UserGroup == null)
                {
                    throw SharedMachineSecret.NotPermitted(null, null);
                }

                shared = SharedMachineSecret.Read(Store, registration.ClientSecretName, registration.UserGroup) ?? throw new PfaException(
                    ErrorIds.ClientSecretMissing,
                    PfaErrorKind.InvalidData,
                    $"The client secret shared with group '{registration.UserGroup}' is missing from {SharedMachineSecret.FolderOf(Store)}. The administrator should store it again with Set-PfaAzureDevOpsApp -ClientSecret.",
                    DocumentPath);
            }

            byte[] bytes = shared ?? Vault.Read(registration.ClientSecretName) ?? throw new PfaException(
                ErrorIds.ClientSecretMissing,
                PfaErrorKind.InvalidData,
                $"The client secret of the registered application is missing from {Vault.ProtectionDescription}. The administrator should store it again with Set-PfaAzureDevOpsApp -ClientSecret.",
                DocumentPath);
            try
            {
                return Encoding.UTF8.GetChars(bytes);
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
            }
        }

        public static PfaException NotRegistered(StateScope scope) => new PfaException(
            ErrorIds.RegistrationNotFound,
            PfaErrorKind.NotFound,
            $"No Azure DevOps application is registered for {scope}. An administrator registers one with Register-PfaAzureDevOpsApp (see Open-PfaAzureDevOpsAppRegistrationPage for the values to enter on Azure DevOps).",
            scope.ToString());

        public static AppRegistration Build(RegistrationRequest request, DateTimeOffset now)
        {
            if (request.ClientId == Guid.Empty)
            {
                throw new PfaException(ErrorIds.InvalidClientId, PfaErrorKind.InvalidArgument, "The client ID must be the application's ID (a GUID such as 6f1e5b1c-...), not the empty GUID. Copy it from the application's page.", request.ClientId);
            }

            Uri instance = RegistrationRules.NormalizeInstanceUrl(request.InstanceUrl);
            var registration = new AppRegistration
            {
                Provider = request.Provider,
                ClientId = request.ClientId,
                InstanceUrl = instance.AbsoluteUri.TrimEnd('/'),
                CallbackUrl = RegistrationRules.CallbackFor(instance).AbsoluteUri,
                Scopes = RegistrationRules.NormalizeScopes(request.Provider, request.Scopes),
                RegisteredOn = now,
                UpdatedOn = now,
                RegisteredBy = Environment.UserName + "@" + Environment.MachineName,
            };

            if (request.Provider == IdentityProvider.AzureDevOps)
            {
                if (request.TenantId != null)
                {
                    throw new PfaException(ErrorIds.TenantNotApplicable, PfaErrorKind.InvalidArgument, "-TenantId applies to -Provider EntraId only; an Azure DevOps OAuth application has no tenant.", request.TenantId);
                }

                if (request.ClientSecret is null)
                {
                    throw new PfaException(ErrorIds.ClientSecretRequired, PfaErrorKind.InvalidArgument, "An Azure DevOps OAuth application needs its client secret (-ClientSecret): copy the 'Client Secret' (not the 'App Secret') from the application's page.", "ClientSecret");
                }

                registration.AuthorizationServer = RegistrationRules.NormalizeServerUrl(request.AuthorizationServer ?? new Uri(RegistrationRules.DefaultAzureDevOpsAuthorizationServer), "authorization server").AbsoluteUri.TrimEnd('/');
            }
            else
            {
                registration.TenantId = RegistrationRules.NormalizeTenant(request.TenantId) ?? "organizations";
                registration.AuthorizationServer = RegistrationRules.NormalizeServerUrl(request.AuthorizationServer ?? new Uri(RegistrationRules.DefaultEntraAuthority), "authority").AbsoluteUri.TrimEnd('/');
            }

            if (request.CertificateThumbprint != null || request.CertificatePath != null)
            {
                if (request.Provider != IdentityProvider.EntraId)
                {
                    throw new PfaException(ErrorIds.CertificateNotApplicable, PfaErrorKind.InvalidArgument, "-CertificateThumbprint and -CertificatePath apply to -Provider EntraId only; an Azure DevOps OAuth application signs in with its client secret.", "CertificatePath");
                }

                if ((request.CertificateThumbprint != null && request.CertificatePath != null) || request.ClientSecret != null)
                {
                    throw new PfaException(ErrorIds.ClientCredentialConflict, PfaErrorKind.InvalidArgument, "Give one credential of the confidential client: -ClientSecret, -CertificateThumbprint or -CertificatePath.", "CertificatePath");
                }

                if (request.CertificateThumbprint != null)
                {
                    registration.CertificateThumbprint = RegistrationRules.NormalizeThumbprint(request.CertificateThumbprint);
                }

                if (request.CertificatePath != null)
                {
                    // The file must exist and hold a certificate with its private key now, not at the first sign-in.
                    string full = System.IO.Path.GetFullPath(request.CertificatePath);
                    RegistrationRules.RequireCertificateFile(full);
                    registration.CertificatePath = full;
                }
            }

            if (request.ClientSecret != null)
            {
                CheckSecret(request.ClientSecret);
            }
            else if (request.SecretExpiresOn.HasValue)
            {
                throw new PfaException(ErrorIds.SecretExpiryWithoutSecret, PfaErrorKind.InvalidArgument, "-SecretExpiresOn describes a client secret; give -ClientSecret too, or leave the expiry out for a public client.", "SecretExpiresOn");
            }

            registration.SecretExpiresOn = CheckExpiry(request.SecretExpiresOn, now);
            return registration;
        }

        private static DateTimeOffset? CheckExpiry(DateTimeOffset? expiresOn, DateTimeOffset now)
        {
            if (expiresOn.HasValue && expiresOn.Value <= now)
            {
                throw new PfaException(
                    ErrorIds.SecretAlreadyExpired,
                    PfaErrorKind.InvalidArgument,
                    $"The secret expiry {expiresOn.Value:u} is in the past: an expired client secret cannot sign anyone in. Generate a new secret on the application's page and register that one.",
                    "SecretExpiresOn");
            }

            return expiresOn;
        }

        private static void CheckSecret(char[] secret)
        {
            bool blank = true;
            foreach (char c in secret)
            {
                if (!char.IsWhiteSpace(c))
                {
                    blank = false;
                    break;
                }
            }

            if (blank)
            {
                throw new PfaException(ErrorIds.ClientSecretEmpty, PfaErrorKind.InvalidArgument, "The client secret is empty. Copy the 'Client Secret' from the application's page.", "ClientSecret");
            }

            if (char.IsWhiteSpace(secret[0]) || char.IsWhiteSpace(secret[secret.Length - 1]))
            {
                throw new PfaException(ErrorIds.ClientSecretWhitespace, PfaErrorKind.InvalidArgument, "The client secret starts or ends with white space, which usually means it was copied with extra characters. Copy it again.", "ClientSecret");
            }
        }

        private void Commit(AppRegistration registration, string? retiredSecret)
        {
            try
            {
                Store.Write(AppRegistration.FileName, registration, ownerOnly: false);
            }
            catch
            {
                if (registration.ClientSecretName != null && registration.ClientSecretName != retiredSecret)
                {
                    Vault.Delete(registration.ClientSecretName);
                }

                throw;
            }

            if (retiredSecret != null && retiredSecret != registration.ClientSecretName)
            {
                Vault.Delete(retiredSecret);
            }
        }

        private void RequireAllUsersForGroup()
        {
            if (Store.Scope != StateScope.AllUsers)
            {
                throw new PfaException(ErrorIds.UserGroupNeedsAllUsers, PfaErrorKind.InvalidArgument, "-UserGroup shares the instance's (AllUsers) application with the members of an OS group; a CurrentUser registration is yours alone. Use -Scope AllUsers, or leave -UserGroup out.", Store.Scope);
            }
        }

        /// <summary>Keeps the shared copy of the client secret in step with the registration (written before the registration names it).</summary>
        private void Share(AppRegistration registration, char[]? newSecret)
        {
            if (!SharedMachineSecret.IsSupported || Store.Scope != StateScope.AllUsers)
            {
                return;
            }

            if (registration.ClientSecretName == null || registration.UserGroup == null)
            {
                SharedMachineSecret.RemoveOthers(Store, keep: null);
                return;
            }

            byte[] bytes = newSecret != null ? Encoding.UTF8.GetBytes(newSecret) : (Vault.Read(registration.ClientSecretName) ?? throw new PfaException(
                ErrorIds.ClientSecretMissing,
                PfaErrorKind.InvalidData,
                "The client secret to share is missing from the vault. Store it again with Set-PfaAzureDevOpsApp -ClientSecret -UserGroup <group>.",
                DocumentPath));
            try
            {
                SharedMachineSecret.Write(Store, registration.ClientSecretName, bytes, registration.UserGroup);
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
            }
        }

        private static string NewSecretName() => "app-client-secret-" + Guid.NewGuid().ToString("N").Substring(0, 12);
    }
}
