using System;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>
    /// The sign-in started by one Connect-PfaAzureDevOps and finished by another (-NoBrowser, then -CallbackUri):
    /// pending-authorization.json in the CurrentUser store, good for <see cref="PendingAuthorization.Lifetime"/> and
    /// for the application that started it.
    /// </summary>
    public sealed class PendingSignIns
    {
        private readonly StateStore _store;

        public PendingSignIns(StateStore store)
        {
            _store = store ?? throw new ArgumentNullException(nameof(store));
        }

        public string Path => _store.GetPath(PendingAuthorization.FileName);

        public void Save(PendingAuthorization pending) => _store.Write(PendingAuthorization.FileName, pending, ownerOnly: true);

        public PendingAuthorization? Read() => _store.Read<PendingAuthorization>(PendingAuthorization.FileName, PendingAuthorization.DocumentKind, PendingAuthorization.CurrentVersion);

        public void Delete() => _store.Delete(PendingAuthorization.FileName);

        /// <summary>Whether the pending sign-in is too old or was started for another application (or callback).</summary>
        public static bool IsStale(PendingAuthorization pending, Guid clientId, string? callbackUrl, DateTimeOffset now) =>
            now - pending.CreatedOn > PendingAuthorization.Lifetime
            || pending.ClientId != clientId
            || (callbackUrl != null && !string.Equals(pending.CallbackUrl, callbackUrl, StringComparison.Ordinal));

        public PfaException Expired() => new PfaException(
            ErrorIds.PendingAuthorizationExpired,
            PfaErrorKind.InvalidOperation,
            $"The sign-in link was made more than {PendingAuthorization.Lifetime.TotalMinutes:0} minutes ago or for another application. Run Connect-PfaAzureDevOps -NoBrowser again for a new link.",
            Path);
    }
}
