/** dl4j-arm-zoo */
package org.armfer.zoo;
