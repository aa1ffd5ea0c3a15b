using System;
using System.Reflection;
using PfaAzureDevOps.Core.SignIn.Entra;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Identity
{
    /// <summary>The foreign-MSAL decision: the engine runs its own MSAL; handed another version, it refuses with a stable id.</summary>
    public sealed class MsalBindingTests
    {
        [Fact]
        public void The_engine_runs_the_MSAL_it_was_built_against()
        {
            MsalBinding.EnsureOwn();
            Version expected = Array.Find(typeof(MsalBinding).Assembly.GetReferencedAssemblies(), n => n.Name == "Microsoft.Identity.Client")!.Version!;
            Assert.Equal(expected, typeof(Microsoft.Identity.Client.IPublicClientApplication).Assembly.GetName().Version);
        }

        [Fact]
        public void Another_MSAL_version_is_refused_with_MsalVersionConflict_and_the_fix()
        {
            var foreign = new AssemblyName("Microsoft.Identity.Client, Version=4.61.3.0, Culture=neutral, PublicKeyToken=0a613f4dd989e8ae");
            PfaException ex = Assert.Throws<PfaException>(() => MsalBinding.Verify(foreign, @"C:\Program Files\WindowsPowerShell\Modules\Az.Accounts\2.19.0\lib\netstandard2.0\Microsoft.Identity.Client.dll", new Version(4, 92, 0, 0)));
            Assert.Equal("MsalVersionConflict", ex.ErrorId);
            Assert.Equal(PfaErrorKind.ResourceUnavailable, ex.Kind);
            Assert.Contains("4.61.3.0", ex.Message);
            Assert.Contains("Az.Accounts", ex.Message);
            Assert.Contains("new PowerShell session", ex.Message);
            Assert.NotNull(ex.RecommendedAction);
        }

        [Fact]
        public void The_same_version_passes()
        {
            MsalBinding.Verify(new AssemblyName("Microsoft.Identity.Client, Version=4.92.0.0"), "x", new Version(4, 92, 0, 0));
        }
    }
}
