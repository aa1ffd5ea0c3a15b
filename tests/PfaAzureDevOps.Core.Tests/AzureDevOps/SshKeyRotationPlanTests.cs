using System.Collections.Generic;
using System.Linq;
using PfaAzureDevOps.Core.AzureDevOps;
using PfaAzureDevOps.Core.Git;
using PfaAzureDevOps.Core.Ssh;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.AzureDevOps
{
    /// <summary>The size of the key a rotation makes (<see cref="SshKeyRotationPlan.NewKeyBits"/>) and what the plan says about it.</summary>
    public class SshKeyRotationPlanTests
    {
        private static SshKeyRotationPlan Plan(SshKeyType type, int bits) =>
            new SshKeyRotationPlan(
                new StoredSshKey { Type = type, Bits = bits, Md5Fingerprint = "aa:bb" },
                null,
                new List<SshKeyRotationTarget>(),
                new List<string>());

        [Theory]
        [InlineData(SshKeyType.Rsa, 2048, 3072, false)]
        [InlineData(SshKeyType.Rsa, 3072, 3072, false)]
        [InlineData(SshKeyType.Rsa, 3500, 4096, false)]
        [InlineData(SshKeyType.Rsa, 4096, 4096, false)]
        [InlineData(SshKeyType.Rsa, 8192, 4096, true)]
        [InlineData(SshKeyType.Ed25519, 256, 256, false)]
        [InlineData(SshKeyType.EcdsaP256, 256, 256, false)]
        public void NewKeyBitsAndTheSmallerKeyWarning(SshKeyType type, int bits, int expected, bool smaller)
        {
            SshKeyRotationPlan plan = Plan(type, bits);

            Assert.Equal(expected, plan.NewKeyBits);
            string first = plan.Steps(new List<GitSshUrl>()).First().Action;
            Assert.StartsWith($"Generate a new {(type == SshKeyType.Rsa ? "RSA" : type.ToString())} {expected}-bit key", first);
            if (smaller)
            {
                Assert.Equal($"Your SSH key is RSA {bits}-bit; the new key will be RSA {expected}-bit, smaller (the module makes RSA keys of 3072 or 4096 bits only). To keep a larger key, make one yourself (ssh-keygen -t rsa -b {bits}), then Import-PfaSshKey -Force it and add it with Add-AzDevOpsSshKey instead of rotating.", plan.SmallerKeyWarning);
            }
            else
            {
                Assert.Null(plan.SmallerKeyWarning);
            }
        }
    }
}
