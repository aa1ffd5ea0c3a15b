using System;
using System.Collections.Generic;
using System.Threading;
using PfaAzureDevOps.Core.Git;
using PfaAzureDevOps.Core.SignIn.Entra;
using PfaAzureDevOps.Core.SshTransport;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Ssh;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.NetFx.Tests
{
    /// <summary>
    /// Calls into the engine, each in a method of its own that is never inlined: the runtime binds the engine's types when
    /// it compiles the calling method, which must happen after the resolver is installed (Mono inlines small methods).
    /// Test classes must not name engine types in any member signature either: xunit reflects over them during discovery,
    /// before any resolver exists, and Mono then remembers the failed binding for the whole run.
    /// </summary>
    internal static class EngineFlows
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public static int BuildPublicClientAndReadAccounts(string root)
        {
            var registration = new AppRegistration
            {
                Provider = IdentityProvider.EntraId,
                ClientId = Guid.NewGuid(),
                TenantId = "organizations",
                InstanceUrl = "https://pfa.example.test",
                CallbackUrl = "https://pfa.example.test/oauth2/azureDevOps",
                Scopes = new List<string> { EntraTokenProvider.AzureDevOpsDefaultScope },
            };
            var provider = new EntraTokenProvider(registration, new StateStore(StateScope.CurrentUser, root));
            return provider.GetAccountsAsync().GetAwaiter().GetResult().Count;
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public static System.Reflection.Assembly MsalAsBoundByTheEngine() =>
            typeof(EntraTokenProvider).GetField("_public", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.FieldType.Assembly;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public static System.Reflection.Assembly SshNetAsBoundByTheEngine() =>
            typeof(PfaAzureDevOps.Core.SshTransport.SshClientKey).GetProperty("Source")!.PropertyType.Assembly;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public static bool ParseKeyWithSshNet(string root)
        {
            string text;
            using (SshKeyPair pair = SshKeyGenerator.Generate(SshKeyType.Ed25519, 0, "netfx", CancellationToken.None))
            {
                text = pair.ToOpenSshPrivateKey(null);
            }

            using (PfaAzureDevOps.Core.SshTransport.SshClientKey key = PfaAzureDevOps.Core.SshTransport.SshClientKey.Load(text))
            {
                return key.IsRsa;
            }
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public static StoredSshKey Document(string comment)
        {
            using (SshKeyPair pair = SshKeyGenerator.Generate(SshKeyType.Ed25519, 0, comment, CancellationToken.None))
            {
                return new StoredSshKey
                {
                    Type = pair.Type,
                    Bits = pair.Bits,
                    Comment = comment,
                    PublicKey = pair.PublicKeyLine,
                    Sha256Fingerprint = pair.PublicKey.Sha256Fingerprint,
                    Md5Fingerprint = pair.PublicKey.Md5Fingerprint,
                    CreatedOn = DateTimeOffset.UtcNow,
                    SecretName = "netfx-doc",
                };
            }
        }
    }
}
