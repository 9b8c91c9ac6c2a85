/** examples */
package org.armfer.examples;
