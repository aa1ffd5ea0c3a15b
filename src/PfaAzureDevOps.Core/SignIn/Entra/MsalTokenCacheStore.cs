using System;
using Microsoft.Identity.Client;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>
    /// Persists one MSAL token cache (SerializeMsalV3) as a secret of the user's vault. Reads happen in BeforeAccess and
    /// writes in AfterAccess under the store's cross-process lock, held from one to the other (the pattern MSAL's own
    /// cache helper follows), so two processes never overwrite each other's refresh tokens.
    /// </summary>
    internal sealed class MsalTokenCacheStore
    {
        private readonly SecretVault _vault;
        private readonly string _secretName;
        private readonly Action<string>? _verbose;
        private readonly object _gate = new object();
        private IDisposable? _lock;

        public MsalTokenCacheStore(StateStore userStore, string secretName, Action<string>? verbose)
        {
            _vault = new SecretVault(userStore);
            _secretName = secretName;
            _verbose = verbose;
        }

        public string SecretName => _secretName;

        public SecretVault Vault => _vault;

        public void Attach(ITokenCache cache)
        {
            cache.SetBeforeAccess(BeforeAccess);
            cache.SetAfterAccess(AfterAccess);
        }

        private void BeforeAccess(TokenCacheNotificationArgs args)
        {
            IDisposable handle = _vault.Store.Lock("msal-" + _secretName);
            lock (_gate)
            {
                _lock = handle;
            }

            try
            {
                byte[]? data = _vault.Read(_secretName);
                args.TokenCache.DeserializeMsalV3(data, shouldClearExistingCache: true);
                if (data != null)
                {
                    Array.Clear(data, 0, data.Length);
                }
            }
            catch (Exception ex) when (ex is PfaException || ex is MsalClientException)
            {
                // An unreadable cache is an empty one: the user signs in again; it is overwritten on the next write.
                _verbose?.Invoke($"The saved Microsoft Entra ID token cache '{_secretName}' could not be read ({ex.GetType().Name}); starting with an empty one.");
                args.TokenCache.DeserializeMsalV3(null, shouldClearExistingCache: true);
            }
            catch
            {
                Release();
                throw;
            }
        }

        private void AfterAccess(TokenCacheNotificationArgs args)
        {
            try
            {
                if (args.HasStateChanged)
                {
                    byte[] data = args.TokenCache.SerializeMsalV3();
                    try
                    {
                        _vault.Write(_secretName, data);
                    }
                    finally
                    {
                        Array.Clear(data, 0, data.Length);
                    }
                }
            }
            finally
            {
                Release();
            }
        }

        private void Release()
        {
            IDisposable? handle;
            lock (_gate)
            {
                handle = _lock;
                _lock = null;
            }

            handle?.Dispose();
        }
    }
}
