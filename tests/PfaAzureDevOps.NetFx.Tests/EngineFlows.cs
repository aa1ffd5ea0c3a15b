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

    /// <summary>
    /// The one RSA key of the run, made on first use by the engine's .NET Framework RSA generator and shared: EngineTests
    /// checks it and its OpenSSH export with ssh-keygen, AzureDevOpsTests reads it back and signs with it over SSH. Strings
    /// only: test classes must not name engine types in member signatures (see <see cref="EngineFlows"/>).
    /// <para>
    /// 2048 bits, made by the platform step of SshKeyGenerator (TryGeneratePlatformRsa, private: called by reflection), not
    /// by the public Generate(Rsa, 3072): what the .NET Framework build of the generator does differently from the net8 one
    /// is that step alone (#if NET): RSA.Create() with KeySize set, which an RSACryptoServiceProvider ignores, its key's size
    /// checked, then RSACryptoServiceProvider(bits). Any size but the CSP's own 1024 takes that whole way, 2048 as 3072 and
    /// 4096 do; a 3072-bit key is only dearer to make here: Mono's RSACryptoServiceProvider searches primes in managed code,
    /// measured at 2.5-15 CPU s a key (mean 6) for 3072 against 0.55-2.8 (mean 1.4) for 2048. The step must make the key
    /// itself, at the size asked for (not the CSP's 1024 and not nothing, on which GenerateRsa would fall back to
    /// BouncyCastle without a word), which the public Generate could not show. Its size rule and the lines around this step
    /// are the same source in the net8 build, where xunit generates RSA 3072 (SshKeyGeneratorTests) and Pester 3072 and 4096
    /// (SshKeys.Tests); the OpenSSH export of the key (SshKeyMaterial.FromRsa, as GenerateRsa calls it) runs here.
    /// </para>
    /// </summary>
    internal static class SharedRsaKey
    {
        /// <summary>The key's size: the smallest usual RSA size for SSH that still takes the CSP's way (see above).</summary>
        public const int Bits = 2048;

        private static readonly Lazy<string[]> Key = new Lazy<string[]>(Generate, LazyThreadSafetyMode.ExecutionAndPublication);

        /// <summary>The unencrypted OpenSSH private key.</summary>
        public static string PrivateKey => Key.Value[0];

        public static string PublicKeyLine => Key.Value[1];

        public static string Md5Fingerprint => Key.Value[2];

        /// <summary>The size of the key the platform step returned (its modulus), before the engine made an SSH key of it.</summary>
        public static int PlatformBits => int.Parse(Key.Value[3], System.Globalization.CultureInfo.InvariantCulture);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static string[] Generate()
        {
            NetFxModule.Install();
            return GenerateWithTheEngine();
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static string[] GenerateWithTheEngine()
        {
            System.Reflection.MethodInfo platform = typeof(SshKeyGenerator).GetMethod("TryGeneratePlatformRsa", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static, null, new[] { typeof(int) }, null)
                ?? throw new InvalidOperationException("SshKeyGenerator.TryGeneratePlatformRsa(int) is gone: point SharedRsaKey at the step that makes RSA keys on .NET Framework.");
            object? made = platform.Invoke(null, new object[] { Bits });
            if (made == null)
            {
                throw new InvalidOperationException("The platform's RSA on .NET Framework made no " + Bits + "-bit key (GenerateRsa would fall back to BouncyCastle).");
            }

            var p = (System.Security.Cryptography.RSAParameters)made;
            int platformBits = SshPublicKey.BitLength(p.Modulus!);
            using (SshKeyPair pair = SshKeyMaterial.FromRsa(p.Modulus!, p.Exponent!, p.D!, p.InverseQ!, p.P!, p.Q!, "netfx-rsa"))
            {
                return new[] { pair.ToOpenSshPrivateKey(null), pair.PublicKeyLine, pair.PublicKey.Md5Fingerprint, platformBits.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            }
        }
    }
}
